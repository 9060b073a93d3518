"""A waybill number copied from the label as it is printed, in groups ("SF 1234 5678
9012"), was refused as not a waybill number at 发货: staff had to retype it, on a phone,
beside the parcel. The spaces are dropped, as the number has none; the same number sent
again (a double tap) is the step already taken."""

import pytest

from shequ.points.models import OrderEvent, OrderStatus
from shequ.points.tests.helpers import fund, item, move, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_waybill_number_copied_in_groups_ships_the_order(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    move(world.secretary_zhang, order, "pack")
    staff = client_for(world.secretary_zhang)
    form = {"action": "ship", "courier": "顺丰速运", "tracking_no": "SF 1234 5678　9012"}
    # When: shipped with the number as printed, and the form sent twice.
    assert staff.post(f"/points/orders/{order.pk}/act/", form).status_code == 302
    assert staff.post(f"/points/orders/{order.pk}/act/", form).status_code == 302
    # Then: shipped once, with the number as the courier's site takes it.
    order.refresh_from_db()
    assert (order.status, order.tracking_no) == (OrderStatus.SHIPPED, "SF123456789012")
    assert OrderEvent.objects.filter(order=order, action="ship").count() == 1
