"""Every write of the store and the ledger is audited with where it came from: adding a
redemption window, putting an item on or off the shelf and entering 期初积分 wrote their
audit rows with no IP, while the other writes of the same pages and API had it."""

import json

import pytest

from shequ.access.models import AuditEvent
from shequ.points import services
from shequ.points.models import RedemptionWindow, StoreItem, Transaction
from shequ.points.tests.helpers import item
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

IP = "10.1.2.3"


def _ip(event, obj):
    return AuditEvent.objects.filter(event=event, object_id=str(obj.pk)).latest("id").ip


def test_the_pages_audit_windows_shelf_and_opening_balance_with_the_ip(world):
    staff = client_for(world.secretary_zhang)
    code = world.areas["A1"].code
    form = {"form": "window", "area": code, "name": "2099年第一季度"}
    r = staff.post(
        "/points/catalogue/", {**form, "starts_on": "2099-01-01", "ends_on": "2099-03-31"}, REMOTE_ADDR=IP
    )
    assert r.status_code == 302
    window = RedemptionWindow.objects.get(area=world.areas["A1"], name="2099年第一季度")
    assert _ip("store.window", window) == IP

    r = staff.post(
        "/points/catalogue/",
        {
            "name": "香皂",
            "price": "10",
            "stock": "5",
            "per_person_limit": "2",
            "area": code,
            "description": "",
        },
        REMOTE_ADDR=IP,
    )
    assert r.status_code == 302
    soap = StoreItem.objects.get(area=world.areas["A1"], name="香皂")
    assert _ip("store.item_create", soap) == IP
    r = staff.post(f"/points/catalogue/{soap.pk}/stock/", {"add": "0", "active": "0"}, REMOTE_ADDR=IP)
    assert r.status_code == 302
    assert _ip("store.item_active", soap) == IP

    account = services.account_for_user(world.resident_wang)
    r = staff.post(
        f"/points/accounts/{account.pk}/",
        {"points": "50", "memo": "纸质台账结转", "idempotency_key": "k-ip-1"},
        REMOTE_ADDR=IP,
    )
    assert r.status_code == 302
    txn = Transaction.objects.get(kind="opening", entries__account=account)
    assert _ip("points.opening", txn) == IP


def test_the_api_audits_windows_shelf_and_opening_balance_with_the_ip(world):
    api = client_for(world.secretary_zhang)

    def post(url, body, **headers):
        return api.post(url, json.dumps(body), content_type="application/json", REMOTE_ADDR=IP, **headers)

    r = post(
        "/api/v1/store/windows/",
        {
            "area": world.areas["A1"].code,
            "name": "2099年第一季度",
            "starts_on": "2099-01-01",
            "ends_on": "2099-03-31",
        },
    )
    assert r.status_code == 201, r.content
    assert _ip("store.window", RedemptionWindow(pk=r.json()["id"])) == IP

    rice = item(world)
    r = post(f"/api/v1/store/items/{rice.pk}/shelf", {"active": False})
    assert r.status_code == 200, r.content
    assert _ip("store.item_active", rice) == IP

    account = services.account_for_user(world.resident_wang)
    r = post(
        f"/api/v1/points/accounts/{account.pk}/opening",
        {"points": 50, "memo": "纸质台账结转"},
        HTTP_IDEMPOTENCY_KEY="k-ip-2",
    )
    assert r.status_code == 201, r.content
    assert _ip("points.opening", Transaction(pk=r.json()["id"])) == IP
