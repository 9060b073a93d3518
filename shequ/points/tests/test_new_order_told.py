"""The store's staff hear of new orders to pack (one unread notice at a time, read by
opening the fulfilment page; sent by the periodic job, not by the redemption): orders sat
unseen until someone thought to look."""

import pytest
from django.test import Client

from shequ.notifications.models import Notification
from shequ.points.services import send_order_notices
from shequ.points.tests.helpers import fund, item, redeem

pytestmark = pytest.mark.django_db

NEW_ORDER = "有新的积分兑换订单待备货"


def _told(user):
    return Notification.objects.filter(user=user, link="/points/fulfil/", text__startswith=NEW_ORDER)


def test_store_staff_are_told_of_a_new_order_once_until_they_open_the_fulfilment_page(world):
    # Given: a resident with points and an item on the community's shelf
    buyer = world.resident_wang
    fund(world, buyer, 200)
    rice = item(world, limit=5)
    # When: they redeem twice
    redeem(buyer, rice)
    send_order_notices()
    redeem(buyer, rice)
    send_order_notices()  # every 10 minutes
    # Then: the community's store staff have one unread notice, the street's none
    for staff in (world.secretary_zhang, world.users["community_staff@A1"]):
        assert _told(staff).filter(read_at__isnull=True).count() == 1
    assert not _told(world.street_chen).exists()
    assert not _told(world.outsider_zhao).exists()
    # Opening the fulfilment page reads it; the next order tells them again.
    c = Client()
    c.force_login(world.secretary_zhang)
    assert c.get("/points/fulfil/?status=placed").status_code == 200
    assert not _told(world.secretary_zhang).filter(read_at__isnull=True).exists()
    send_order_notices()  # nothing new since: not told again of the orders still waiting
    assert not _told(world.secretary_zhang).filter(read_at__isnull=True).exists()
    redeem(buyer, rice)
    send_order_notices()
    assert _told(world.secretary_zhang).filter(read_at__isnull=True).count() == 1
