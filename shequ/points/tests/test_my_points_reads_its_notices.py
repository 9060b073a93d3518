"""我的积分 is the page the points notices link to (期初积分, 服务积分, 冲正): a resident who
opened it from the menu rather than from the inbox kept those notices unread, and the
badge went on counting them, as problem, claim and order pages no longer do."""

import pytest

from shequ.notifications.models import Notification
from shequ.points.tests.helpers import fund
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_opening_my_points_marks_its_notices_read(world):
    wang = world.resident_wang
    fund(world, wang, 100)
    mine = Notification.objects.filter(user=wang, link="/points/")
    assert mine.filter(read_at__isnull=True).count() == 1
    other = Notification.objects.create(user=wang, text="测试：别的页面", link="/points/orders/")

    assert client_for(wang).get("/points/").status_code == 200

    assert not mine.filter(read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None  # only the notices about this page
