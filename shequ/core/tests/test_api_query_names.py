"""A query parameter no endpoint reads is named, as a body field is (``core.api.Body``):
a misspelt filter was dropped and the whole list answered as if filtered."""

import pytest
from django.test import Client

from shequ.points.tests.helpers import fund, item, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_misspelt_filter_is_named_not_dropped(world):
    fund(world, world.resident_wang, 100)
    redeem(world.resident_wang, item(world))
    staff = client_for(world.secretary_zhang)
    # "fulfill" for fulfil: the caller's own orders (none) were answered, not the street's
    # orders waiting to be packed, so the list looked empty.
    r = staff.get("/api/v1/store/orders/", {"fulfill": "true"})
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    assert set(r.json()["fields"]) == {"fulfill"}
    assert "fulfil" in r.json()["fields"]["fulfill"] and "fulfill" in r.json()["message"]
    assert staff.get("/api/v1/store/orders/", {"fulfil": "true"}).json()["count"] >= 1
    # A problem list filtered by a misspelt status answered every problem.
    r = staff.get("/api/v1/problems/", {"stauts": "closed", "page": "1"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"stauts"}
    r = client_for(world.resident_wang).get("/api/v1/tasks/", {"catgory": "replace_bulb"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"catgory"}


def test_the_parameters_an_endpoint_reads_are_still_taken(world):
    staff = client_for(world.secretary_zhang)
    assert (
        staff.get("/api/v1/problems/", {"status": "closed", "open": "false", "page": "1"}).status_code == 200
    )
    assert staff.get("/api/v1/claims/", {"queue": "true", "status": "submitted"}).status_code == 200
    assert staff.get("/api/v1/claims/1/accept").status_code == 405  # method, not parameters
    code = world.areas["A1"].code
    assert Client().get(f"/api/v1/points/notice/{code}", {"year": 2026, "quarter": 4}).status_code == 200
    r = Client().get(f"/api/v1/points/notice/{code}", {"yaer": 2026})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"yaer"}


def test_a_filter_sent_twice_is_named_not_narrowed_to_its_last_value(world):
    """No filter takes several values: ?status=reported&status=accepted was answered with
    the accepted problems alone, which a client took for both."""
    staff = client_for(world.secretary_zhang)
    r = staff.get("/api/v1/problems/?status=reported&status=accepted&page=1")
    assert r.status_code == 422 and r.json()["fields"] == {
        "status": "只能给一个值，要看几种请分几次查询（收到 2 个）"
    }
    assert r.json()["message"] == "请求参数有误：status：只能给一个值，要看几种请分几次查询（收到 2 个）"
    r = staff.get("/api/v1/tasks/?page=1&page=2")
    assert r.status_code == 422 and set(r.json()["fields"]) == {"page"}
    assert staff.get("/api/v1/problems/?status=reported&page=1").status_code == 200
