"""A 12345 order's number is on the problem page and in the 接诉即办 ledger, but the API
never gave it back: staff working from an app entered an order and could not read which
order a problem was, the number the 12345 platform is answered by."""

import json

import pytest

from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_read_a_hotline_orders_number_in_the_api_as_on_the_page(world):
    staff = client_for(world.users["community_staff@A1"])
    lon, lat = grid_point(world)
    body = {
        "category": "blocked_drain",
        "description": "12345转来：楼道下水管堵塞",
        "source": "hotline",
        "hotline_order_no": "GD-20261124-0042",
        "lon": lon,
        "lat": lat,
    }
    # When: staff enter the order through the API.
    r = staff.post("/api/v1/problems/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201
    assert r.json()["hotline_order_no"] == "GD-20261124-0042"
    pk = r.json()["id"]
    # Then: the detail and the list give the order number, as the page does.
    assert "GD-20261124-0042" in staff.get(f"/problems/{pk}/").content.decode()
    assert staff.get(f"/api/v1/problems/{pk}").json()["hotline_order_no"] == "GD-20261124-0042"
    listed = staff.get("/api/v1/problems/", {"source": "hotline"}).json()["items"]
    assert [p["hotline_order_no"] for p in listed if p["id"] == pk] == ["GD-20261124-0042"]
    # A resident's own report has none.
    resident = client_for(world.resident_wang)
    mine = resident.post(
        "/api/v1/problems/",
        json.dumps({"category": "garbage", "description": "垃圾三天没清运", "lon": lon, "lat": lat}),
        content_type="application/json",
    )
    assert mine.status_code == 201 and mine.json()["hotline_order_no"] == ""
