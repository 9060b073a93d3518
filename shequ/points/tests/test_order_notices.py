"""The buyer hears about their order: packed, shipped (courier and tracking number),
delivered and cancelled; a cancellation by staff needs a reason, which the buyer is
shown. The fulfilment page shows where to deliver (the household's address)."""

import pytest
from django.test import Client

from shequ.core.errors import ValidationFailed
from shequ.notifications.models import Notification
from shequ.points.tests.helpers import fund, item, move, redeem

pytestmark = pytest.mark.django_db


def _last(user):
    return Notification.objects.filter(user=user).latest("id")


def test_the_buyer_is_told_each_step(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    move(world.secretary_zhang, order, "pack")
    assert "已备货" in _last(buyer).text and _last(buyer).link == f"/points/orders/{order.pk}/"
    move(world.secretary_zhang, order, "ship", courier="中国邮政", tracking_no="9876543210")
    assert (
        "已发货" in _last(buyer).text
        and "中国邮政" in _last(buyer).text
        and "9876543210" in _last(buyer).text
    )
    move(world.secretary_zhang, order, "deliver")
    assert "已送达" in _last(buyer).text


def test_staff_must_give_a_reason_to_cancel_and_the_buyer_sees_it(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "cancel")
    assert "原因" in exc.value.fields["note"]
    move(world.secretary_zhang, order, "cancel", note="该物品已停产")
    assert "已取消" in _last(buyer).text and "该物品已停产" in _last(buyer).text
    client = Client()
    client.force_login(buyer)
    assert "该物品已停产" in client.get(f"/points/orders/{order.pk}/").content.decode()
    # The buyer may cancel their own order without a reason.
    mine = redeem(buyer, item(world, name="食用油"))
    assert move(buyer, mine, "cancel").status == "cancelled"


def test_a_refused_cancel_keeps_the_reason_typed_on_the_page(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    staff = Client()
    staff.force_login(world.secretary_zhang)
    r = staff.post(f"/points/orders/{order.pk}/act/", {"action": "cancel", "note": ""})
    assert r.status_code == 400 and "请填写取消原因" in r.content.decode()


def test_the_fulfilment_page_shows_the_households_address(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    redeem(buyer, item(world))
    staff = Client()
    staff.force_login(world.secretary_zhang)
    page = staff.get("/points/fulfil/?status=placed").content.decode()
    household = buyer.resident.household
    assert household.address in page and household.building.name in page
