"""Each step of an order is its own button with its own fields: a cancel reason typed
beside one menu left on 备货 packed the order ("备货：库存不足，取消") and told the buyer
已备货. A reason sent with any step but 取消订单 is refused and comes back to be sent with
the cancel."""

import re

import pytest

from shequ.core.errors import ValidationFailed
from shequ.notifications.models import Notification
from shequ.points.models import OrderStatus
from shequ.points.tests.helpers import fund, item, move, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _forms(page: str) -> list[str]:
    return re.findall(r"<form [^>]*points/orders/\d+/act/.*?</form>", page, re.S)


def test_a_cancel_reason_sent_with_another_step_is_refused_and_moves_nothing(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    told = Notification.objects.filter(user=buyer).count()
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "pack", note="库存不足，取消")
    assert set(exc.value.fields) == {"note"} and "取消原因只在取消订单时填写" in exc.value.fields["note"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert list(order.events.values_list("action", flat=True)) == ["place"]
    assert Notification.objects.filter(user=buyer).count() == told
    # The same reason with 取消订单 cancels, and the buyer is told why.
    assert move(world.secretary_zhang, order, "cancel", note="库存不足，取消").status == OrderStatus.CANCELLED
    assert "库存不足" in Notification.objects.filter(user=buyer).latest("id").text


def test_the_fulfilment_page_gives_each_step_its_own_button_and_fields(world):
    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    staff = client_for(world.secretary_zhang)
    forms = _forms(staff.get("/points/fulfil/?status=placed").content.decode())
    pack = [f for f in forms if 'name="action" value="pack"' in f]
    cancel = [f for f in forms if 'name="action" value="cancel"' in f]
    assert len(pack) == 1 and len(cancel) == 1 and "<select" not in "".join(forms)
    assert 'name="note"' not in pack[0] and 'name="note"' in cancel[0]
    assert ">备货</button>" in pack[0] and ">取消订单</button>" in cancel[0]
    move(world.secretary_zhang, order, "pack")
    forms = _forms(staff.get("/points/fulfil/?status=packed").content.decode())
    ship = next(f for f in forms if 'name="action" value="ship"' in f)
    assert 'name="courier"' in ship and 'name="tracking_no"' in ship and 'name="note"' not in ship


def test_a_reason_sent_with_pack_from_the_page_comes_back_in_the_cancel_form(world):
    """An old page (or a hand-made request) sending 备货 with a reason: refused, the
    reason kept where 取消订单 sends it, the order still as it was."""
    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    staff = client_for(world.secretary_zhang)
    form = {"action": "pack", "note": "库存不足，取消", "next": "/points/fulfil/?status=placed"}
    r = staff.post(f"/points/orders/{order.pk}/act/", form)
    assert r.status_code == 400
    cancel = next(f for f in _forms(r.content.decode()) if 'name="action" value="cancel"' in f)
    assert 'value="库存不足，取消"' in cancel and "取消原因只在取消订单时填写" in cancel
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    r = staff.post(f"/points/orders/{order.pk}/act/", {**form, "action": "cancel"})
    assert r.status_code == 302 and r["Location"] == "/points/fulfil/?status=placed"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.get(action="cancel").note == "库存不足，取消"


def test_a_step_taken_on_a_later_page_of_a_tab_comes_back_to_that_page(world):
    """At a quarter's end the 已下单 tab runs to several pages: packing an order on page 2
    led back to page 1 each time, and staff paged down again for the next one."""
    buyer = world.resident_wang
    fund(world, buyer, 100)
    paper = item(world, name="抽纸", price=1, stock=40, limit=40)
    orders = [redeem(buyer, paper) for _ in range(32)]
    staff = client_for(world.secretary_zhang)
    page = staff.get("/points/fulfil/?status=placed&page=2").content.decode()
    oldest = orders[0].pk  # newest first: the oldest is on page 2
    form = next(f for f in _forms(page) if f"/points/orders/{oldest}/act/" in f and 'value="pack"' in f)
    found = re.search(r'name="next" value="([^"]*)"', form)
    assert found is not None
    following = found.group(1).replace("&amp;", "&")
    r = staff.post(f"/points/orders/{oldest}/act/", {"action": "pack", "next": following})
    assert r.status_code == 302 and r["Location"] == "/points/fulfil/?status=placed&page=2"
    assert "第 2 / 2 页" in staff.get(r["Location"]).content.decode()


def test_a_step_sent_twice_by_whoever_took_it_is_done_once_without_an_error(world):
    """A double tap on 备货 or 确认送达 on a slow phone answered the second tap with
    "不能进行“备货”" (or "订单状态刚刚被他人改变"), an error page for a step that was done.
    The same step by the same person is now answered with the order as it is: one event,
    one notice. Anyone else, or another waybill number, is still refused."""
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    staff = client_for(world.secretary_zhang)
    for _ in range(2):
        r = staff.post(
            f"/points/orders/{order.pk}/act/", {"action": "pack", "next": "/points/fulfil/?status=placed"}
        )
        assert r.status_code == 302 and r["Location"] == "/points/fulfil/?status=placed"
    assert list(order.events.values_list("action", flat=True)) == ["place", "pack"]
    assert Notification.objects.filter(user=buyer, text__contains="已备货").count() == 1
    with pytest.raises(ValidationFailed, match="不能进行“备货”"):
        move(world.street_chen, order, "pack")
    move(world.secretary_zhang, order, "ship", courier="中国邮政", tracking_no="9876543210")
    again = move(world.secretary_zhang, order, "ship", courier="中国邮政", tracking_no="９８７６５４３２１０")
    assert again.status == OrderStatus.SHIPPED and again.events.filter(action="ship").count() == 1
    with pytest.raises(ValidationFailed, match="不能进行“发货”"):
        move(world.secretary_zhang, order, "ship", courier="中国邮政", tracking_no="9876543211")
    mine = client_for(buyer)
    for _ in range(2):
        r = mine.post(f"/points/orders/{order.pk}/act/", {"action": "deliver"})
        assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.events.filter(action="deliver").count() == 1


def test_a_second_tap_that_read_the_order_before_the_first_committed_is_done_once(world, monkeypatch):
    """The second tap read the order while the first was still being written: its
    conditional update finds the order moved, by the same step of the same person."""
    from shequ.points import selectors
    from shequ.points.models import Order

    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    stale = Order.objects.get(pk=order.pk)  # read as 已下单, before the first tap commits
    move(world.secretary_zhang, order, "pack")
    monkeypatch.setattr(selectors, "get_order", lambda viewer, order_id: stale)
    assert move(world.secretary_zhang, order, "pack").status == OrderStatus.PACKED
    assert order.events.filter(action="pack").count() == 1
    with pytest.raises(ValidationFailed, match="刚刚被他人改变"):
        move(world.street_chen, order, "pack")
