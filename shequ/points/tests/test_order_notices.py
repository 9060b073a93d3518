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


def test_staff_pack_and_deliver_many_orders_at_once_each_on_its_own(world):
    """A quarter's redemptions were packed and delivered one form at a time. Ticked orders
    now move together; one that moved meanwhile is named, the others are done."""
    from shequ.notifications.models import Notification
    from shequ.points import services
    from shequ.points.models import Order, OrderEvent, OrderStatus

    buyer = world.resident_wang
    fund(world, buyer, 100)
    shelf = item(world, limit=3)
    orders = [redeem(buyer, shelf) for _ in range(3)]
    staff = Client()
    staff.force_login(world.secretary_zhang)
    page = staff.get("/points/fulfil/?status=placed").content.decode()
    assert all(f'name="orders" value="{o.pk}" form="bulk"' in page for o in orders)
    assert "将勾选的订单备货" in page
    # One is cancelled by its buyer between the page and the click.
    services.transition_order(buyer, orders[2].pk, services.OrderTransitionInput(action="cancel"))
    r = staff.post(
        "/points/fulfil/bulk/?status=placed", {"action": "pack", "orders": [str(o.pk) for o in orders]}
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "已备货 2 件订单；以下 1 件没有处理" in body and f"#{orders[2].pk}</a>：订单当前为“已取消”" in body
    statuses = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "status"))
    assert statuses == {orders[0].pk: "packed", orders[1].pk: "packed", orders[2].pk: "cancelled"}
    assert (
        OrderEvent.objects.filter(order__in=orders[:2], action="pack", actor=world.secretary_zhang).count()
        == 2
    )
    assert Notification.objects.filter(user=buyer, text__contains="已备货").count() == 2
    # Shipping needs each waybill: not offered in bulk, refused if sent.
    assert "将勾选的订单" not in staff.get("/points/fulfil/?status=packed").content.decode()
    refused = staff.post(
        "/points/fulfil/bulk/?status=packed", {"action": "ship", "orders": [str(orders[0].pk)]}
    )
    assert refused.status_code == 400 and "发货和取消请逐单处理" in refused.content.decode()
    assert Order.objects.get(pk=orders[0].pk).status == OrderStatus.PACKED
    none = staff.post("/points/fulfil/bulk/?status=placed", {"action": "pack"})
    assert none.status_code == 400 and "请勾选要处理的订单" in none.content.decode()
    # Staff of another street's community find no such order: named, nothing done.
    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    r = outsider.post(
        "/points/fulfil/bulk/?status=shipped", {"action": "deliver", "orders": [str(orders[0].pk)]}
    )
    assert f"#{orders[0].pk}</a>：订单不存在或不在您的管辖范围内" in r.content.decode()
    assert Order.objects.get(pk=orders[0].pk).status == OrderStatus.PACKED
    # Someone without the store's permission is refused outright.
    resident = Client()
    resident.force_login(buyer)
    assert (
        resident.post(
            "/points/fulfil/bulk/", {"action": "deliver", "orders": [str(orders[0].pk)]}
        ).status_code
        == 403
    )


def test_a_store_form_sent_again_says_no_second_order_was_made(world):
    """Back to the store after buying, the browser showed its kept copy (the old balance,
    the spent key); 兑换 again landed on the first order saying 兑换成功，已扣 30 积分: the
    resident believed they had bought two."""
    import re

    from shequ.points.models import Order

    buyer = world.resident_wang
    fund(world, buyer, 100)
    shelf = item(world)
    c = Client()
    c.force_login(buyer)
    store = c.get("/points/store/")
    assert "no-store" in store["Cache-Control"]  # Back fetches it anew, with a fresh key
    key = re.search(r'name="idempotency_key" value="([^"]+)"', store.content.decode())
    assert key is not None
    form = {"item": str(shelf.pk), "quantity": "1", "idempotency_key": key.group(1)}
    first = c.post("/points/store/redeem/", form)
    order = Order.objects.get(user=buyer)
    assert first["Location"] == f"/points/orders/{order.pk}/"
    assert "兑换成功" in c.get(first["Location"]).content.decode()
    again = c.post("/points/store/redeem/", form)
    assert again["Location"] == f"/points/orders/{order.pk}/?again=1"
    page = c.get(again["Location"]).content.decode()
    assert "没有重复兑换" in page and "兑换成功" not in page
    assert Order.objects.filter(user=buyer).count() == 1


def test_the_order_page_names_whom_and_where_to_deliver_as_the_api_does(world):
    """Staff opening an order to ship it (from its number on the fulfilment page, or a
    link) saw 下单人 as the login's display name and no address: the parcel's label needed
    a trip back to the list, while GET /store/orders/{id} gave both."""
    from shequ.access.services import add_user

    household = world.households["A1-2-h2"]
    unlinked = add_user("unlinked-order-page", "pass-2026-xyz", role="resident", area_code=household.code)
    for buyer, where in (
        (world.resident_wang, world.resident_wang.resident.household),
        (unlinked, household),
    ):
        fund(world, buyer, 100)
        order = redeem(buyer, item(world, name=f"大米{buyer.pk}"))
        label = f"{where.building.name} {where.address}"
        staff = Client()
        staff.force_login(world.secretary_zhang)
        page = staff.get(f"/points/orders/{order.pk}/").content.decode()
        api = staff.get(f"/api/v1/store/orders/{order.pk}").json()
        assert api["buyer"] in page and label in page and api["address"] == label
        # The buyer reads where their parcel goes too.
        mine = Client()
        mine.force_login(buyer)
        assert label in mine.get(f"/points/orders/{order.pk}/").content.decode()


def test_whoever_packed_an_order_hears_when_its_buyer_cancels_it(world):
    """A buyer may cancel an order already packed: the parcel stood ready with their name
    on it and nobody at the community heard, until 发货 was refused. Whoever packed it is
    told, on a link they can open; an order the buyer cancels before it is packed
    concerns nobody yet, and staff cancelling are not told of their own step."""
    buyer, packer = world.resident_wang, world.secretary_zhang
    fund(world, buyer, 200)
    rice = item(world)
    order = redeem(buyer, rice)
    move(packer, order, "pack")
    before = Notification.objects.filter(user=packer).count()
    move(buyer, order, "cancel")
    told = Notification.objects.filter(user=packer).latest("id")
    assert Notification.objects.filter(user=packer).count() == before + 1
    assert f"订单 #{order.pk}" in told.text and "大米 5kg×1" in told.text and "兑换人已取消" in told.text
    assert told.link == f"/points/orders/{order.pk}/"
    page = Client()
    page.force_login(packer)
    assert page.get(told.link).status_code == 200
    assert not Notification.objects.filter(user=buyer, link=told.link, text__contains="兑换人已取消").exists()

    unpacked = redeem(buyer, rice)
    count = Notification.objects.filter(user=packer).count()
    move(buyer, unpacked, "cancel")
    assert Notification.objects.filter(user=packer).count() == count
