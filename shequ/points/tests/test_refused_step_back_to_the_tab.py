"""Staff ship orders from a tab of 兑换订单处理 (已备货, page 2 at a quarter's end). A
waybill number mistyped there comes back on the order's page with the message; the
corrected 发货 sent from that page then landed on the order, not on the tab: the forms
of the order page did not carry where the step was taken from, and staff paged back to
the tab for every refused order. They now carry it, so the corrected step returns to
the same tab and page."""

import re
from html import unescape

import pytest

from shequ.points.models import OrderStatus
from shequ.points.tests.helpers import fund, item, move, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _fields(form: str) -> dict[str, str]:
    """What a browser sends from ``form``: its named fields with their values."""
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', form)
        if name != "csrfmiddlewaretoken"
    }


def test_a_refused_shipment_corrected_on_the_order_page_returns_to_the_tab(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    paper = item(world, name="抽纸", price=1, stock=40, limit=40)
    orders = [redeem(buyer, paper) for _ in range(32)]
    for order in orders:
        move(world.secretary_zhang, order, "pack")
    staff = client_for(world.secretary_zhang)
    tab = staff.get("/points/fulfil/?status=packed&page=2").content.decode()
    oldest = orders[0].pk  # newest first: the oldest is on page 2
    row = re.search(rf'<form [^>]*points/orders/{oldest}/act/.*?value="ship".*?</form>', tab, re.S)
    assert row is not None
    sent = _fields(row.group(0)) | {"courier": "中国邮政", "tracking_no": "98"}  # mistyped
    r = staff.post(f"/points/orders/{oldest}/act/", sent)
    assert r.status_code == 400 and "快递单号应为 5 到 40 位" in r.content.decode()
    ship = re.search(r'<form [^>]*id="act-ship".*?</form>', r.content.decode(), re.S)
    assert ship is not None
    again = _fields(ship.group(0)) | {"tracking_no": "9876543210123"}
    assert again["courier"] == "中国邮政"  # as typed
    r = staff.post(f"/points/orders/{oldest}/act/", again)
    assert r.status_code == 302 and r["Location"] == "/points/fulfil/?status=packed&page=2"
    orders[0].refresh_from_db()
    assert orders[0].status == OrderStatus.SHIPPED and orders[0].tracking_no == "9876543210123"


def test_an_order_page_opened_by_itself_still_returns_to_the_order(world):
    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    move(world.secretary_zhang, order, "pack")
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/points/orders/{order.pk}/").content.decode()
    ship = re.search(r'<form [^>]*id="act-ship".*?</form>', page, re.S)
    assert ship is not None and 'name="next"' not in ship.group(0)
    sent = _fields(ship.group(0)) | {"courier": "中国邮政", "tracking_no": "9876543210123"}
    r = staff.post(f"/points/orders/{order.pk}/act/", sent)
    assert r.status_code == 302 and r["Location"] == f"/points/orders/{order.pk}/"


def test_a_tab_asked_with_spaces_around_its_status_is_that_tab(world):
    """A link pasted from a chat or a note (?status= packed) was refused as 订单状态“ packed”
    and showed 已下单 instead, with the message; the status is read as typed less its spaces."""
    buyer = world.resident_wang
    fund(world, buyer, 10)
    order = redeem(buyer, item(world, name="毛巾", price=1, stock=5, limit=5))
    move(world.secretary_zhang, order, "pack")
    r = client_for(world.secretary_zhang).get("/points/fulfil/", {"status": " packed "})
    page = r.content.decode()
    assert r.status_code == 200 and "不在可选范围内" not in page
    assert 'aria-current="page">已备货' in page and f"/points/orders/{order.pk}/" in page
