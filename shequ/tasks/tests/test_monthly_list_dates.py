"""A monthly list's dates: its publish day lies between today and the end of its month;
a task whose deadline is not after that day is refused (it would stay scheduled for
ever); the list page shows the year, links to the list's tasks, and offers no action on
a published list."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import ListStatus, MonthlyList, Task
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _next_month(today):
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first, f"{first:%Y%m}"


def test_a_task_ending_before_its_lists_publish_day_is_refused(world):
    from datetime import datetime, time

    today = timezone.localdate()
    first, month = _next_month(today)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    assert monthly.publish_on == first
    # Ending on the publish day itself: the daily job may publish it after it has ended.
    on_the_day = timezone.make_aware(datetime.combine(first, time(10, 0)))
    with pytest.raises(ValidationFailed) as exc:
        make_task(world, publish=False, monthly_list=monthly.pk, deadline=on_the_day)
    message = exc.value.fields["deadline"]
    assert "截止时间" in message and f"{first:%Y年%m月%d日}" in message
    later = make_task(world, publish=False, monthly_list=monthly.pk, deadline=on_the_day + timedelta(days=1))
    assert later.monthly_list_id == monthly.pk


def test_submitting_a_list_with_a_task_that_would_never_publish_is_refused(world):
    today = timezone.localdate()
    first, month = _next_month(today)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    deadline = timezone.now() + timedelta(days=45)
    task = make_task(world, publish=False, monthly_list=monthly.pk, deadline=deadline, title="清理楼道杂物")
    # A deadline that moved before the publish day (an older list, or data from elsewhere).
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationFailed) as exc:
        services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    assert "截止时间" in exc.value.fields["deadline"] and "清理楼道杂物" in exc.value.fields["deadline"]


def test_the_publish_day_lies_between_today_and_the_end_of_the_month(world):
    today = timezone.localdate()
    first, month = _next_month(today)
    code = world.areas["A1"].code
    with pytest.raises(ValidationFailed) as exc:
        services.create_monthly_list(world.secretary_zhang, code, month, publish_on=today - timedelta(days=1))
    assert "不能早于今天" in exc.value.fields["publish_on"]
    after = (first + timedelta(days=32)).replace(day=1)
    with pytest.raises(ValidationFailed) as exc:
        services.create_monthly_list(world.secretary_zhang, code, month, publish_on=after)
    assert "最后一天" in exc.value.fields["publish_on"]
    # Before the month begins is fine (published ahead of it).
    assert (
        services.create_monthly_list(world.secretary_zhang, code, month, publish_on=today).publish_on == today
    )
    with pytest.raises(ValidationFailed) as exc:
        services.create_monthly_list(world.secretary_zhang, code, "202001")
    assert "已经过去" in exc.value.fields["month"]


def test_the_list_page_shows_the_year_links_the_tasks_and_no_action_once_published(world):
    today = timezone.localdate()
    first, month = _next_month(today)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    task = make_task(
        world,
        publish=False,
        monthly_list=monthly.pk,
        deadline=timezone.now() + timedelta(days=45),
        title="清单里的任务",
    )
    other = make_task(world, title="不在清单的任务")
    done = MonthlyList.objects.create(
        area=world.areas["A1"],
        area_path=world.areas["A1"].path,
        month="203001",
        publish_on=first,
        status=ListStatus.PUBLISHED,
        created_by=world.secretary_zhang,
    )
    street = Client()
    street.force_login(world.street_chen)
    page = street.get("/tasks/monthly/").content.decode()
    assert f"{first.year}年{first.month}月{first.day}日" in page
    assert f"/tasks/?monthly_list={monthly.pk}" in page
    assert f"/tasks/monthly/{done.pk}/act/" not in page
    board = street.get(f"/tasks/?monthly_list={monthly.pk}").content.decode()
    assert task.title in board and other.title not in board


def test_an_approved_list_is_not_offered_for_publishing_before_its_day(world):
    today = timezone.localdate()
    first, month = _next_month(today)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=45))
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    street = Client()
    street.force_login(world.street_chen)
    page = street.get("/tasks/monthly/").content.decode()
    assert f"/tasks/monthly/{monthly.pk}/act/" not in page and "自动发布" in page
    # On its day (the job not yet run) it may be published by hand.
    MonthlyList.objects.filter(pk=monthly.pk).update(publish_on=today)
    assert f"/tasks/monthly/{monthly.pk}/act/" in street.get("/tasks/monthly/").content.decode()


def test_what_the_street_approved_is_what_is_published(world):
    """After approval, staff could cancel every task of the list, and the job published
    it empty with \"清单中的任务已开放接单\"; a street admin could approve a list they drew
    up themselves; the API showed the return reason's numbers unmasked."""
    from shequ.tasks.selectors import task_actions
    from shequ.tasks.tests.helpers import make_task
    from shequ.testing.clients import client_for

    today = timezone.localdate()
    soon = today + timedelta(days=2)
    monthly = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, f"{soon:%Y%m}", publish_on=soon
    )
    task = make_task(world, publish=False, monthly_list=monthly.pk)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", "请联系居民 13812345678 补充地点")
    body = client_for(world.secretary_zhang).get("/api/v1/monthly-lists/").content.decode()
    assert "13812345678" not in body and "138****5678" in body
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    task.refresh_from_db()
    assert "cancel" not in [a for a, _ in task_actions(world.secretary_zhang, task)]
    with pytest.raises(ValidationFailed) as exc:
        services.transition_task(world.secretary_zhang, task.pk, "cancel", "不做了")
    assert "已经街道审批、等待发布，不能取消" in exc.value.fields["monthly_list"]

    own = services.create_monthly_list(
        world.street_chen, world.areas["A2"].code, f"{soon:%Y%m}", publish_on=soon
    )
    make_task(world, actor=world.street_chen, key="A2-1", publish=False, monthly_list=own.pk)
    # The street's only approver drew it up: sent, nobody could ever approve it.
    with pytest.raises(ValidationFailed, match="不能审批自己编制的清单"):
        services.transition_list(world.street_chen, own.pk, "submit")
    from shequ.access.services import add_user

    add_user("street-deputy", "deputy-pass-2026", role="street_admin", area_code=world.areas["A"].code)
    services.transition_list(world.street_chen, own.pk, "submit")
    from shequ.tasks.selectors import list_actions

    assert "approve" not in [a for a, _ in list_actions(world.street_chen, own)]  # not offered either
    with pytest.raises(ValidationFailed) as exc:
        services.transition_list(world.street_chen, own.pk, "approve")
    assert "不能审批自己编制的月度任务清单" in exc.value.fields["action"]


def test_a_drafts_publish_day_can_be_moved_within_its_month(world):
    """A list created with the default day, or a mistyped one, kept it for good, even
    when the street returned it asking for another day."""
    from datetime import datetime, time

    from shequ.tasks.tests.helpers import make_task
    from shequ.testing.clients import client_for

    today = timezone.localdate()
    # Next month's list, out on its 2nd, with a task due on its 5th: room on either side.
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    soon = first + timedelta(days=1)
    monthly = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, f"{soon:%Y%m}", publish_on=soon
    )
    due = timezone.make_aware(datetime.combine(first + timedelta(days=4), time(10)))
    task = make_task(world, publish=False, monthly_list=monthly.pk, deadline=due)
    c = Client()
    c.force_login(world.secretary_zhang)
    assert "改发布日" in c.get("/tasks/monthly/").content.decode()
    r = c.post(
        f"/tasks/monthly/{monthly.pk}/act/",
        {"action": "publish_on", "publish_on": str(today - timedelta(days=1))},
    )
    assert r.status_code == 400 and "发布日期不能早于今天" in r.content.decode()
    later = first + timedelta(days=9)
    r = c.post(f"/tasks/monthly/{monthly.pk}/act/", {"action": "publish_on", "publish_on": str(later)})
    assert r.status_code == 400 and task.title in r.content.decode()  # named: it would end first
    r = c.post(f"/tasks/monthly/{monthly.pk}/act/", {"action": "publish_on", "publish_on": str(today)})
    assert r.status_code == 302
    monthly.refresh_from_db()
    assert monthly.publish_on == today
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    r = client_for(world.secretary_zhang).patch(
        f"/api/v1/monthly-lists/{monthly.pk}", f'{{"publish_on": "{soon}"}}', content_type="application/json"
    )
    assert r.status_code == 400 and "只有草稿" in r.json()["fields"]["publish_on"]


def test_the_list_page_keeps_every_round_of_the_streets_review(world):
    """The list keeps only its last return reason; its page tells the whole history, with
    each earlier reason, who acted, and a number typed into a reason masked."""
    today = timezone.localdate()
    first, month = _next_month(today)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=45))
    services.set_publish_day(world.secretary_zhang, monthly.pk, first + timedelta(days=1))
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", "请补充地点，联系13812345678")
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", "时间写错了")
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")

    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/tasks/monthly/").content.decode()
    history = page.split("审批记录（8）", 1)[1].split("</details>", 1)[0]
    steps = ["新建", "改发布日", "报街道审批", "退回修改", "报街道审批", "退回修改", "报街道审批", "审批通过"]
    at = [
        history.index(s)
        for s in ["新建", "改发布日", "退回修改：请补充地点", "退回修改：时间写错了", "审批通过"]
    ]
    assert at == sorted(at) and all(s in history for s in steps)
    assert "138****5678" in history and "13812345678" not in page
    assert f"{first:%Y-%m-%d} → {first + timedelta(days=1):%Y-%m-%d}" in history
    assert str(world.street_chen) in history and str(world.secretary_zhang) in history
    from shequ.testing.clients import client_for

    steps_read = client_for(world.secretary_zhang).get(f"/api/v1/monthly-lists/{monthly.pk}/history").json()
    assert [s["step"] for s in steps_read] == steps
    assert steps_read[3]["note"] == "请补充地点，联系138****5678" and steps_read[3]["who"] == str(
        world.street_chen
    )
    assert (
        client_for(world.outsider_zhao).get(f"/api/v1/monthly-lists/{monthly.pk}/history").status_code == 404
    )


def _step_form(page: str, list_id: int, action: str) -> dict[str, str]:
    """The hidden fields of one step's form on the lists page."""
    import re

    start = f'<form method="post" action="/tasks/monthly/{list_id}/act/'
    forms = re.findall(re.escape(start) + r'[^"]*"(.*?)</form>', page, re.S)
    for body in forms:
        if f'name="action" value="{action}"' in body:
            return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
    raise AssertionError(f"no {action} form")


def test_each_step_has_its_own_button_and_a_return_reason_never_approves(world):
    """The row once had one menu (first choice 审批通过) beside a box for the reason: a
    street officer who typed a reason and pressed 提交 approved the list for good."""
    first, month = _next_month(timezone.localdate())
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=45))
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    c = Client()
    c.force_login(world.street_chen)
    page = c.get("/tasks/monthly/").content.decode()
    assert '<select name="action"' not in page
    back = _step_form(page, monthly.pk, "return")
    c.post(f"/tasks/monthly/{monthly.pk}/act/", {**back, "note": "任务说明太简单，请补充后重报"})
    monthly.refresh_from_db()
    assert monthly.status == ListStatus.DRAFT and monthly.return_reason == "任务说明太简单，请补充后重报"


def test_a_list_returned_and_resubmitted_since_the_page_opened_is_not_approved_unseen(world):
    from shequ.access.roles import Role
    from shequ.access.services import add_user

    first, month = _next_month(timezone.localdate())
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    ends = timezone.now() + timedelta(days=45)
    task = make_task(world, publish=False, monthly_list=monthly.pk, deadline=ends)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    street = world.areas["A"].code
    other = add_user("street-two", "x-pass-2026-long", role=Role.STREET_ADMIN, area_code=street)
    c = Client()
    c.force_login(world.street_chen)
    approve = _step_form(c.get("/tasks/monthly/").content.decode(), monthly.pk, "approve")
    # Meanwhile a colleague returns it, the community raises the points and submits again.
    services.transition_list(other, monthly.pk, "return", "积分太低")
    Task.objects.filter(pk=task.pk).update(points=40)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    r = c.post(f"/tasks/monthly/{monthly.pk}/act/", approve)
    monthly.refresh_from_db()
    assert monthly.status == ListStatus.SUBMITTED
    said = r.content.decode()
    assert "您打开页面之后，这份清单已由" in said and "报街道审批" in said
    # From the page as it is now, the approval goes through.
    fresh = _step_form(c.get("/tasks/monthly/").content.decode(), monthly.pk, "approve")
    c.post(f"/tasks/monthly/{monthly.pk}/act/", fresh)
    monthly.refresh_from_db()
    assert monthly.status in (ListStatus.APPROVED, ListStatus.PUBLISHED)


def test_a_lists_month_is_taken_in_both_forms_its_message_offers(world):
    """{"month": "abc"} was told "月份格式为 2026-11 或 202611", and 2026-12 was then refused
    with "月份格式应为 YYYYMM": the message offered a form that was not taken."""
    from shequ.testing.clients import client_for

    api = client_for(world.secretary_zhang)
    a1 = world.areas["A1"].code
    r = api.post("/api/v1/monthly-lists/", {"area": a1, "month": "abc"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["fields"] == {
        "month": "月份格式为 2026-11 或 202611，您填写的是“abc”"
    }
    first, month = _next_month(timezone.localdate())
    r = api.post(
        "/api/v1/monthly-lists/", {"area": a1, "month": f"{first:%Y-%m}"}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["month"] == month and MonthlyList.objects.get(pk=r.json()["id"]).month == month
    # The same month in the other form is the same list.
    r = api.post("/api/v1/monthly-lists/", {"area": a1, "month": month}, content_type="application/json")
    assert r.status_code == 400 and "已经存在" in r.json()["fields"]["month"]


def test_a_new_lists_bad_date_is_said_beside_the_other_fields_and_kept(world):
    """A 发布日期 that is not a date stopped the area and the month from being checked,
    so one error came back at a time, and its message did not repeat what was typed."""
    c = client_for(world.secretary_zhang)
    r = c.post("/tasks/monthly/", {"area": "", "month": "2026-13", "publish_on": "12月5日"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "请选择您管辖的社区" in body
    assert "发布日期“12月5日”不是日期" in body
    assert 'value="2026-13"' in body
