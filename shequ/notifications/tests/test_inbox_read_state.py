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

