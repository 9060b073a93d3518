"""Whoever packed an order hears when a colleague cancels it, as when its buyer does,
to put the goods back on the shelf: the stock was returned, the parcel was not."""

import pytest

from shequ.notifications.models import Notification
from shequ.points.tests.helpers import fund, item, move, redeem

pytestmark = pytest.mark.django_db


def test_the_packer_is_told_when_a_colleague_cancels_the_packed_order(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    packer = world.users["community_staff@A1"]
    move(packer, order, "pack")
    move(world.secretary_zhang, order, "cancel", note="兑换人电话要求取消")
    notice = Notification.objects.filter(user=packer, link=f"/points/orders/{order.pk}/").latest("id")
    assert "已取消订单" in notice.text and "放回库存" in notice.text
    assert str(world.secretary_zhang) in notice.text
    # The one who packed and cancelled it themselves is not told what they did.
    other = redeem(buyer, item(world, name="食用油"))
    move(packer, other, "pack")
    move(packer, other, "cancel", note="缺货")
    assert not Notification.objects.filter(user=packer, link=f"/points/orders/{other.pk}/").exists()
