"""A courier or waybill number mistyped at 发货 is corrected on the shipped order
(更正快递单号): the order keeps its status, the timeline and the audit log keep the old
and the new number, and the buyer, who was sent the wrong number, is told the right one."""

import json
import re

import pytest

from shequ.access.models import AuditEvent
from shequ.core.errors import ValidationFailed
from shequ.notifications.models import Notification
from shequ.points.models import OrderStatus
from shequ.points.tests.helpers import fund, item, move, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _shipped(world, tracking_no="SF1234567890"):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    move(world.secretary_zhang, order, "pack")
    move(world.secretary_zhang, order, "ship", courier="顺丰速运", tracking_no=tracking_no)
    return order


def _forms(page: str) -> list[str]:
    return re.findall(r"<form [^>]*points/orders/\d+/act/.*?</form>", page, re.S)


def test_staff_correct_a_mistyped_waybill_and_the_buyer_is_told_the_right_one(world):
    # Given an order shipped with a mistyped number (the buyer told it)
    order = _shipped(world, tracking_no="SF1234567809")
    buyer = world.resident_wang
    # When staff correct it
    moved = move(
        world.secretary_zhang, order, "correct_shipping", courier="中国邮政", tracking_no="9800012345678"
    )
    # Then the order carries the new number and is still on its way
    assert (moved.status, moved.courier, moved.tracking_no) == (
        OrderStatus.SHIPPED,
        "中国邮政",
        "9800012345678",
    )
    # the timeline holds the old and the new number
    event = order.events.latest("id")
    assert event.action == "correct_shipping" and event.to_status == OrderStatus.SHIPPED
    assert "SF1234567809" in event.note and "9800012345678" in event.note
    # the audit log too
    row = AuditEvent.objects.filter(event="store.correct_shipping", object_id=str(order.pk)).get()
    assert row.detail["from"] == ["顺丰速运", "SF1234567809"]
    assert row.detail["to"] == ["中国邮政", "9800012345678"]
    # and the buyer is told the corrected number
    told = Notification.objects.filter(user=buyer).latest("id").text
    assert "更正" in told and "中国邮政" in told and "9800012345678" in told
    # The buyer can still confirm delivery of the corrected parcel.
    assert move(buyer, order, "deliver").status == OrderStatus.DELIVERED


def test_a_correction_is_refused_when_not_shipped_unchanged_invalid_or_by_the_buyer(world):
    order = _shipped(world)
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "correct_shipping", courier="顺丰速运", tracking_no="SF1234567890")
    assert "tracking_no" in exc.value.fields and "相同" in exc.value.fields["tracking_no"]
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "correct_shipping", courier="顺丰速运", tracking_no="SF 12")
    assert "快递单号" in exc.value.fields["tracking_no"]
    with pytest.raises(ValidationFailed) as exc:
        move(world.resident_wang, order, "correct_shipping", courier="中国邮政", tracking_no="9800012345678")
    assert "action" in exc.value.fields
    move(world.secretary_zhang, order, "deliver")
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "correct_shipping", courier="中国邮政", tracking_no="980001234567")
    assert "已送达" in exc.value.fields["action"]
    order.refresh_from_db()
    assert order.tracking_no == "SF1234567890"
    assert not order.events.filter(action="correct_shipping").exists()


def test_the_order_page_offers_the_correction_to_staff_with_the_current_number(world):
    order = _shipped(world)
    staff = client_for(world.secretary_zhang)
    forms = _forms(staff.get(f"/points/orders/{order.pk}/").content.decode())
    fix = next(f for f in forms if 'name="action" value="correct_shipping"' in f)
    assert 'value="顺丰速运"' in fix and 'value="SF1234567890"' in fix
    # A refused number comes back as typed, named.
    r = staff.post(
        f"/points/orders/{order.pk}/act/",
        {"action": "correct_shipping", "courier": "中国邮政", "tracking_no": "98 00"},
    )
    assert r.status_code == 400
    fix = next(f for f in _forms(r.content.decode()) if 'name="action" value="correct_shipping"' in f)
    assert 'value="98 00"' in fix and "快递单号应为" in fix
    r = staff.post(
        f"/points/orders/{order.pk}/act/",
        {"action": "correct_shipping", "courier": "中国邮政", "tracking_no": "9800012345678"},
    )
    assert r.status_code == 302
    page = client_for(world.resident_wang).get(f"/points/orders/{order.pk}/").content.decode()
    assert "中国邮政 9800012345678" in page and "SF1234567890" in page  # the timeline keeps the old one
    assert 'value="correct_shipping"' not in page  # not the buyer's to correct


def test_the_api_corrects_the_waybill_of_a_shipped_order(world):
    order = _shipped(world)
    api = client_for(world.secretary_zhang)
    got = api.get(f"/api/v1/store/orders/{order.pk}").json()
    assert "correct_shipping" in got["allowed_actions"]
    r = api.post(
        f"/api/v1/store/orders/{order.pk}/transitions",
        json.dumps({"action": "correct_shipping", "courier": "中国邮政", "tracking_no": "9800012345678"}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["tracking_no"]) == ("shipped", "9800012345678")
    steps = client_for(world.resident_wang).get(f"/api/v1/store/orders/{order.pk}").json()["events"]
    assert steps[-1]["action"] == "correct_shipping" and "SF1234567890" in steps[-1]["note"]
