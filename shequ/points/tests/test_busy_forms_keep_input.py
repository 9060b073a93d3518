"""A 发货 or a 服务积分 record sent while SQLite stayed locked past its wait (a long
import holding the write lock) answered with the bare error page: the courier and
tracking number, or the service typed, were gone. The form now comes back with them."""

import pytest
from django.db import OperationalError
from django.utils import timezone

from shequ.points import services
from shequ.points.models import OrderStatus, ServiceRecord
from shequ.points.tests.helpers import fund, item, move, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _busy(*args, **kwargs):
    raise OperationalError("database is locked")


def test_a_busy_database_keeps_the_courier_and_tracking_number(world, monkeypatch):
    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    move(world.secretary_zhang, order, "pack")
    monkeypatch.setattr(services, "transition_order", _busy)
    r = client_for(world.secretary_zhang).post(
        f"/points/orders/{order.pk}/act/",
        {"action": "ship", "courier": "中国邮政", "tracking_no": "9876543210123"},
    )
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body
    ship = body[body.index('id="act-ship"') :]
    ship = ship[: ship.index("</form>")]
    assert 'value="中国邮政"' in ship and 'value="9876543210123"' in ship
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED


def test_a_busy_database_keeps_the_service_typed(world, monkeypatch):
    member = world.residents["A1-1-h2-r2"]  # a party member of the world
    before = ServiceRecord.objects.filter(member__resident=member).count()
    monkeypatch.setattr(services, "record_service", _busy)
    form = {
        "resident": str(member.pk),
        "kind": "care",
        "note": "看望独居老人并代买药品",
        "points": "6",
        "served_on": str(timezone.localdate()),
        "idempotency_key": "busy-service-1",
    }
    r = client_for(world.secretary_zhang).post("/points/service/", form)
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body and 'value="看望独居老人并代买药品"' in body
    assert ServiceRecord.objects.filter(member__resident=member).count() == before
