"""入库 is relative (stock + N): a double tap on 保存 in a catalogue row, or a client
retrying a request that timed out, added the delivery twice, and the store then sold
goods that were never there. The row's form carries a key, as the store's redemption
does, and the API takes an Idempotency-Key: the same key moves the stock once."""

import json
import re

import pytest

from shequ.points.models import StoreItem
from shequ.points.tests.helpers import item
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _row_key(page: str, item_id: int) -> str:
    form = page[page.index(f"/points/catalogue/{item_id}/stock/") :]
    form = form[: form.index("</form>")]
    found = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert found, "the row's form carries no key"
    return found.group(1)


def test_a_row_sent_twice_adds_the_delivery_once(world):
    rice = item(world, stock=10)
    staff = client_for(world.secretary_zhang)
    key = _row_key(staff.get("/points/catalogue/").content.decode(), rice.pk)
    form = {
        "add": "50",
        "active": "",
        "price": "",
        "per_person_limit": "",
        "name": "",
        "description": "",
        "idempotency_key": key,
    }
    # When: the row is sent twice (a double tap).
    assert staff.post(f"/points/catalogue/{rice.pk}/stock/", form).status_code == 302
    assert staff.post(f"/points/catalogue/{rice.pk}/stock/", form).status_code == 302
    # Then: the delivery is added once.
    assert StoreItem.objects.get(pk=rice.pk).stock == 60
    # A new page gives a new key: the next delivery is added.
    key = _row_key(staff.get("/points/catalogue/").content.decode(), rice.pk)
    assert key != form["idempotency_key"]
    assert (
        staff.post(f"/points/catalogue/{rice.pk}/stock/", form | {"idempotency_key": key}).status_code == 302
    )
    assert StoreItem.objects.get(pk=rice.pk).stock == 110


def test_the_api_restock_retried_with_its_key_adds_once(world):
    rice = item(world, stock=10)
    staff = client_for(world.secretary_zhang)
    url = f"/api/v1/store/items/{rice.pk}/stock"

    def send(add, key):
        return staff.post(
            url, json.dumps({"add": add}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )

    assert send(50, "delivery-1").json()["stock"] == 60
    assert send(50, "delivery-1").json()["stock"] == 60
    assert StoreItem.objects.get(pk=rice.pk).stock == 60
    # The same key with another quantity is refused, naming what it recorded.
    r = send(30, "delivery-1")
    assert r.status_code == 400 and "idempotency_key" in r.json()["fields"]
    assert StoreItem.objects.get(pk=rice.pk).stock == 60
    # Without a key, each request moves the stock (as before).
    send(5, "")
    send(5, "")
    assert StoreItem.objects.get(pk=rice.pk).stock == 70
