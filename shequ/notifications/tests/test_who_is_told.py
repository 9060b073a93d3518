"""Who a notice reaches, and what it carries: nobody is told of their own act, numbers
typed into a reason are masked for whoever reads it, and a problem's notices go where
it now waits (its level's triage after an escalation, the handlers where its role sits)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.problems.models import AgendaItem
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def texts(user, **kw):
    return list(Notification.objects.filter(user=user, **kw).values_list("text", flat=True))


def told(link, **kw):
    return set(Notification.objects.filter(link=link, **kw).values_list("user_id", flat=True))


def test_staff_are_not_told_of_a_report_or_a_list_they_made(world):
    from shequ.tasks import services
    from shequ.tasks.tests.helpers import make_task

    staff = world.users["community_staff@A1"]
    p = report(world, staff, source="hotline", hotline_order_no="12345-0001")
    assert texts(staff, link=f"/problems/{p.pk}/") == []
    tomorrow = timezone.localdate() + timedelta(days=1)
    monthly = services.create_monthly_list(
        world.street_chen, world.areas["A1"].code, f"{tomorrow:%Y%m}", publish_on=tomorrow
    )
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=10))
    from shequ.access.services import add_user

    # Another approver at the street: a list only its maker could approve is not sent.
    deputy = add_user(
        "street-deputy", "deputy-pass-2026", role="street_admin", area_code=world.areas["A"].code
    )
    services.transition_list(world.street_chen, monthly.pk, "submit")
    assert texts(world.street_chen, text__contains="待审批") == []
    assert texts(deputy, text__contains="待审批") != []


def test_reasons_typed_by_staff_reach_residents_masked(world):
    from shequ.points import services as points
    from shequ.points.tests.helpers import fund, item, move, redeem
    from shequ.tasks import services
    from shequ.tasks.models import Award
    from shequ.tasks.tests.helpers import act as act_on_claim
    from shequ.tasks.tests.helpers import make_task, prove

    wang = world.resident_wang
    claim = prove(wang, services.claim_task(wang, make_task(world).pk))
    act_on_claim(world.grid_worker_li, claim, "accept")
    award = Award.objects.get(claim=claim)
    points.reverse(world.secretary_zhang, award.transaction_id, "举报人李四电话13912345678称照片造假")
    notice = Notification.objects.filter(user=wang).latest("id").text
    assert "冲正" in notice and "13912345678" not in notice and "139****5678" in notice

    fund(world, wang, 100)
    order = redeem(wang, item(world))
    move(world.secretary_zhang, order, "cancel", note="请致电 0531-86123456 或 13912345678 改约")
    notice = Notification.objects.filter(user=wang).latest("id").text
    assert "已取消" in notice and "13912345678" not in notice and "86123456" not in notice
    page = client_for(wang)
    assert "13912345678" not in page.get(f"/points/orders/{order.pk}/").content.decode()

    tomorrow = timezone.localdate() + timedelta(days=1)
    monthly = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, f"{tomorrow:%Y%m}", publish_on=tomorrow
    )
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=10))
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", "请联系居民王芳 13912345678 核实")
    returned = texts(world.secretary_zhang, text__contains="退回")
    assert returned and not any("13912345678" in t for t in returned)


def test_the_street_hears_of_an_item_put_on_its_joint_meeting_agenda(world):
    p = report(world, category="property_management")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert AgendaItem.objects.filter(problem=p, street=world.areas["A"]).exists()
    assert world.street_chen.pk in told(f"/problems/{p.pk}/", text__contains="派遣")


def test_an_urge_after_escalation_reaches_the_level_that_now_triages(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "escalate", note="小区调解不成")
    p = act(world, world.secretary_zhang, p, "escalate", note="需街道协调")
    assert (p.handling_level, p.status) == ("street", "accepted")
    act(world, world.secretary_zhang, p, "urge", note="请街道尽快派遣")
    assert world.street_chen.pk in told(f"/problems/{p.pk}/", text__contains="督办")


def test_reminders_of_an_unassigned_problem_go_where_its_role_sits(world):
    """Nobody held the routed role (the secretary's account disabled): dispatch told the
    street, and the 已超期 reminder went to the grid worker, who had never heard of it."""
    from shequ.access.models import User
    from shequ.problems.services import send_due_reminders

    User.objects.filter(pk=world.secretary_zhang.pk).update(is_active=False)
    p = report(world, category="property_management")
    act(world, world.street_chen, p, "accept")
    p = act(world, world.street_chen, p, "dispatch")
    assert p.assignee is None
    staff = world.users["community_staff@A1"]
    link = f"/problems/{p.pk}/"
    assert staff.pk in told(link, text__contains="派遣")
    send_due_reminders(now=p.due_at + timedelta(minutes=1))
    overdue = told(link, text__startswith="已超期")
    assert staff.pk in overdue and world.grid_worker_li.pk not in overdue


def test_ledger_lines_carry_staff_text_masked(world):
    """The notice of a 冲正 was masked; the resident's own ledger line (page and API) still
    showed the reason, and an opening balance's memo, as typed."""
    from shequ.points import services as points
    from shequ.points.tests.helpers import fund

    wang = world.resident_wang
    txn = points.opening_balance(world.secretary_zhang, wang, 30, "原台账结转，经办人电话13912345678")
    points.reverse(world.secretary_zhang, txn.pk, "重复录入，王五 13812345678 核实")
    fund(world, wang, 5)
    api = client_for(wang).get("/api/v1/points/entries").content.decode()
    page = client_for(wang).get("/points/").content.decode()
    for body in (api, page):
        assert "13912345678" not in body and "13812345678" not in body
        assert "139****5678" in body and "138****5678" in body


def test_opening_a_notice_marks_it_read_and_leads_to_its_page(world):
    """On a phone the badge never went down: only 全部标为已读 marked notices read."""
    from shequ.notifications.services import notify

    notify([world.resident_wang], "测试通知", "/points/")
    notice = Notification.objects.filter(user=world.resident_wang).latest("id")
    c = client_for(world.resident_wang)
    assert f'href="/notifications/{notice.pk}/open/"' in c.get("/notifications/").content.decode()
    r = c.get(f"/notifications/{notice.pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/points/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    # Nobody opens another's notice.
    assert client_for(world.secretary_zhang).get(f"/notifications/{notice.pk}/open/").status_code == 404


def test_the_street_is_told_that_the_item_is_on_its_joint_meeting_agenda(world):
    """The street's notice of a problem put on its 联席会议 agenda read only "派遣，办理时限…"
    or "上报上一级": nothing said why the street was told, nor that its meeting takes it up
    (the timeline said 列入联席会议议题)."""
    p = report(world, category="property_management")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert any("列入联席会议议题" in t for t in texts(world.street_chen, link=f"/problems/{p.pk}/"))
    q = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, q, "accept")
    act(world, world.secretary_zhang, q, "escalate", note="小区调解不成")
    act(world, world.secretary_zhang, q, "escalate", note="需街道协调")
    told_street = texts(world.street_chen, link=f"/problems/{q.pk}/")
    assert any("上报上一级" in t and "列入联席会议议题" in t for t in told_street)
    # Not said of a step that put nothing on the agenda.
    assert not any("列入联席会议议题" in t for t in texts(world.resident_wang, text__contains="：立案"))
