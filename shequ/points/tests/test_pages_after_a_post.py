"""A page drawn in answer to a POST (a refused catalogue row, a refused window's dates, the
fulfilment page after a bulk step) sits at the address the form was sent to. Its other
forms and links must still lead where they say: a form with no action posts back to that
address, and a link "?status=…" is read against it. The catalogue's 上架 and 添加兑换期
forms, sent from a refused row, renamed and repriced that row's item (or moved that
window's dates) instead of adding anything; the fulfilment tabs after 将勾选的订单备货
led to a page that answered 405."""

import re
from datetime import date
from html import unescape
from urllib.parse import urljoin

import pytest

from shequ.points import services
from shequ.points.models import OrderStatus, RedemptionWindow, StoreItem
from shequ.points.tests.helpers import fund, item, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _target(page_url: str, body: str, marker: str) -> str:
    """Where a browser sends the form holding ``marker``: its action read against the
    page's address, or the page's address itself when it has none."""
    form = next(f for f in re.findall(r"<form\b.*?</form>", body, re.S) if marker in f)
    action = re.match(r"<form\b[^>]*?\baction=\"([^\"]*)\"", form)
    return urljoin(page_url, unescape(action.group(1))) if action else page_url


def _link(page_url: str, body: str, text: str) -> str:
    href = re.search(r"<a href=\"([^\"]*)\"[^>]*>" + re.escape(text) + "</a>", body)
    assert href is not None, text
    return urljoin(page_url, unescape(href.group(1)))


def test_a_new_item_or_window_sent_from_a_refused_row_is_added_not_written_over_the_row(world):
    soap = item(world, name="香皂", price=10, stock=5, limit=2)
    staff = client_for(world.secretary_zhang)
    page_url = f"/points/catalogue/{soap.pk}/stock/?page=1"
    refused = staff.post(page_url, {"add": "0", "active": "", "price": "0"})
    assert refused.status_code == 400
    body = refused.content.decode()
    # Staff leave the row and list another article instead.
    new = {"name": "洗衣粉", "price": "20", "stock": "8", "per_person_limit": "1"}
    r = staff.post(
        _target(page_url, body, 'placeholder="物品名称"'),
        {**new, "area": world.areas["A1"].code, "description": "袋装"},
    )
    assert r.status_code == 302
    listed = StoreItem.objects.get(area=world.areas["A1"], name="洗衣粉", active=True)
    assert (listed.price, listed.stock, listed.per_person_limit) == (20, 8, 1)
    # ... or set a redemption window.
    r = staff.post(
        _target(page_url, body, 'name="form" value="window"'),
        {
            "form": "window",
            "area": world.areas["A1"].code,
            "name": "2099年第一季度",
            "starts_on": "2099-01-01",
            "ends_on": "2099-03-31",
        },
    )
    assert r.status_code == 302
    assert RedemptionWindow.objects.filter(area=world.areas["A1"], name="2099年第一季度").exists()
    # The refused row's item is as it was.
    soap.refresh_from_db()
    kept = (soap.name, soap.price, soap.per_person_limit, soap.stock, soap.description)
    assert kept == ("香皂", 10, 2, 5, "")


def test_a_window_sent_from_a_refused_windows_dates_is_added_not_moved_onto_that_window(world):
    staff = client_for(world.secretary_zhang)
    code = world.areas["A1"].code
    first = services.add_window(
        world.secretary_zhang, code, "2098年第一季度", date(2098, 1, 1), date(2098, 3, 31)
    )
    page_url = f"/points/windows/{first.pk}/"
    refused = staff.post(page_url, {"action": "dates", "starts_on": "2098-01-01", "ends_on": "2098-02-30"})
    assert refused.status_code == 400
    body = refused.content.decode()
    window = {"form": "window", "area": code, "name": "2099年第一季度"}
    r = staff.post(
        _target(page_url, body, 'name="form" value="window"'),
        {**window, "starts_on": "2099-01-01", "ends_on": "2099-03-31"},
    )
    assert r.status_code == 302
    assert RedemptionWindow.objects.filter(area=world.areas["A1"], name="2099年第一季度").exists()
    first.refresh_from_db()
    assert (first.starts_on, first.ends_on) == (date(2098, 1, 1), date(2098, 3, 31))


def test_the_fulfilment_tabs_and_pager_after_a_bulk_step_lead_to_the_fulfilment_page(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    paper = item(world, name="抽纸", price=1, stock=40, limit=40)
    orders = [redeem(buyer, paper) for _ in range(32)]
    staff = client_for(world.secretary_zhang)
    page_url = "/points/fulfil/bulk/?status=placed"
    r = staff.post(page_url, {"action": "pack", "orders": [str(o.pk) for o in orders[:31]]})
    assert r.status_code == 200
    body = r.content.decode()
    assert "已备货 31 件订单" in body
    # The next tab: the orders just packed, to be shipped.
    packed = staff.get(_link(page_url, body, str(OrderStatus.PACKED.label)))
    assert packed.status_code == 200
    assert f'href="/points/orders/{orders[30].pk}/"' in packed.content.decode()
    # The pager of the packed tab (31 orders, 30 a page), drawn after a bulk step there.
    r = staff.post("/points/fulfil/bulk/?status=packed", {"action": "pack", "orders": [str(orders[0].pk)]})
    assert r.status_code == 200
    nxt = staff.get(_link("/points/fulfil/bulk/?status=packed", r.content.decode(), "下一页"))
    assert nxt.status_code == 200 and "第 2 / 2 页" in nxt.content.decode()
