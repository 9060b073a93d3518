"""The inbox as its reader uses it: which notices are new, and 全部标为已读 marking only
what the reader was shown."""

import re

import pytest

from shequ.notifications.models import Notification
from shequ.notifications.services import notify
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def items(body):
    return re.findall(r"<li[^>]*>.*?</li>", body.split('<ul class="notices">')[1], re.S)


def test_the_inbox_says_which_notices_are_unread(world):
    """An unread notice looked exactly like a read one (the list item's class had no
    style): on a phone the badge said 2 and nothing on the page said which two."""
    wang = world.resident_wang
    notify([wang], "您的任务“清扫楼道”已验收", "/points/")
    notify([wang], "您兑换的“大米”已发货", "/points/")
    read, unread = Notification.objects.filter(user=wang).order_by("-id")[:2]
    c = client_for(wang)
    c.get(f"/notifications/{read.pk}/open/")
    shown = items(c.get("/notifications/").content.decode())
    row_read = next(li for li in shown if "大米" in li)
    row_unread = next(li for li in shown if "清扫楼道" in li)
    assert "未读" in row_unread and "未读" not in row_read


def test_mark_all_read_leaves_a_notice_that_came_after_the_page(world):
    """全部标为已读 tapped on a page opened before a new notice came marked that notice
    read too: the badge went to nothing and the new 待验收 was never seen."""
    li = world.grid_worker_li
    notify([li], "任务“更换灯泡”已提交完成凭证，待验收", "/tasks/claims/1/")
    c = client_for(li)
    body = c.get("/notifications/").content.decode()
    upto = re.search(r'name="upto" value="(\d+)"', body)
    assert upto is not None
    notify([li], "任务“清扫楼道”已提交完成凭证，待验收", "/tasks/claims/2/")
    c.post("/notifications/read/", {"upto": upto.group(1)})
    left = Notification.objects.filter(user=li, read_at__isnull=True)
    assert list(left.values_list("text", flat=True)) == ["任务“清扫楼道”已提交完成凭证，待验收"]
    # The API does the same with the newest id the app listed.
    newest = client_for(li).get("/api/v1/notifications/").json()["items"][0]["id"]
    notify([li], "第三条", "/tasks/claims/3/")
    r = client_for(li).post(f"/api/v1/notifications/read?upto={newest}")
    assert r.status_code == 200 and r.json() == {"marked": 1, "unread": 1}
    # Without it, everything (an older app).
    assert client_for(li).post("/api/v1/notifications/read").json() == {"marked": 1, "unread": 0}


def test_a_mark_all_read_form_with_a_digit_that_is_not_one_marks_all(world):
    """ "²" passes str.isdigit() but not int(): the form answered 500."""
    c = client_for(world.grid_worker_li)
    r = c.post("/notifications/read/", {"upto": "²"})
    assert r.status_code == 302


def test_opening_the_page_a_notice_is_about_marks_it_read(world):
    """A handler opens the problem from the board or 待办, not from the inbox: its
    notices stayed unread and the badge of a busy worker stayed at 99+."""
    from shequ.notifications.models import Notification
    from shequ.notifications.services import notify
    from shequ.problems.tests.helpers import report

    li = world.grid_worker_li
    p = report(world)
    notify([li], "测试：问题待办", f"/problems/{p.pk}/")
    notify([li], "测试：别的问题", f"/problems/{p.pk}1/")
    mine = Notification.objects.filter(user=li, text__startswith="测试：")
    assert mine.filter(read_at__isnull=True).count() == 2
    assert client_for(li).get(f"/problems/{p.pk}/").status_code == 200
    assert set(mine.filter(read_at__isnull=True).values_list("text", flat=True)) == {"测试：别的问题"}
