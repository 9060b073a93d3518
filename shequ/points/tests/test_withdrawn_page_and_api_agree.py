"""An item taken off the shelf while the store page was open: the page said 已下架 while
the API answered 404 兑换物品不存在 for the same order, and the page said 已下架 of an item
that never was in the buyer's store. Both now say 已下架 (409 withdrawn) of the buyer's own
item, and 兑换物品不存在 of one that is not theirs (the API's 404; the page's 400 beside the
store, as every refusal there)."""

import json

import pytest

from shequ.points import services
from shequ.points.tests.helpers import fund, item
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_page_and_the_api_both_say_withdrawn(world):
    fund(world, world.resident_wang, 200)
    rice = item(world, price=30)
    services.set_item_active(world.secretary_zhang, rice.pk, False)
    c = client_for(world.resident_wang)
    page = c.post("/points/store/redeem/", {"item": rice.pk, "quantity": "1"})
    assert page.status_code == 409 and f"{rice.name}已下架，不能兑换" in page.content.decode()
    r = c.post(
        "/api/v1/store/orders/",
        json.dumps({"item": rice.pk, "quantity": 1}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="withdrawn-agree-1",
    )
    assert r.status_code == 409 and r.json()["code"] == "withdrawn"
    assert r.json()["fields"] == {"item": f"{rice.name}已下架，不能兑换"}


def test_an_item_of_another_community_is_not_found_on_both(world):
    fund(world, world.resident_wang, 200)
    theirs = services.create_item(
        world.outsider_zhao,
        services.ItemInput(
            name="花生油 5L", price=30, stock=5, per_person_limit=1, area=world.areas["B1"].code
        ),
    )
    services.set_item_active(world.outsider_zhao, theirs.pk, False)
    c = client_for(world.resident_wang)
    page = c.post("/points/store/redeem/", {"item": theirs.pk, "quantity": "1"})
    assert page.status_code == 400 and "已下架" not in page.content.decode()
    assert "兑换物品不存在或无权查看" in page.content.decode()
    r = c.post(
        "/api/v1/store/orders/",
        json.dumps({"item": theirs.pk, "quantity": 1}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="withdrawn-agree-2",
    )
    assert r.status_code == 404 and "已下架" not in r.json()["message"]
