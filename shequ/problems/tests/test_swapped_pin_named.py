"""A pin sent with longitude and latitude swapped (an app writing lat, lon in the wrong
order: lon=36.6, lat=117.0 in China) is refused under ``lat`` saying they look swapped,
not only that a latitude must lie within ±90, which left the reporter guessing."""

import pytest

from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

SWAPPED = "经度和纬度是否填反了"


def test_a_swapped_pin_on_the_report_page_is_said_to_look_swapped(world):
    lon, lat = grid_point(world)
    page = client_for(world.resident_wang).post(
        "/problems/new/",
        {"category": "garbage", "description": "楼下垃圾没人清运", "lon": str(lat), "lat": str(lon)},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert SWAPPED in text and "楼下垃圾没人清运" in text  # what was typed is kept


def test_a_swapped_pin_in_the_api_is_named_under_lat(world):
    lon, lat = grid_point(world)
    api = client_for(world.resident_wang)
    body = {"category": "garbage", "description": "楼下垃圾没人清运", "lon": lat, "lat": lon}
    r = api.post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 400 and set(r.json()["fields"]) == {"lat"}
    assert SWAPPED in r.json()["fields"]["lat"] and str(lon) in r.json()["fields"]["lat"]
    r = api.get("/api/v1/problems/nearby", {"category": "garbage", "lon": lat, "lat": lon})
    assert r.status_code == 400 and SWAPPED in r.json()["fields"]["lat"]


def test_a_latitude_merely_out_of_range_is_not_called_swapped(world):
    lon, _ = grid_point(world)
    r = client_for(world.resident_wang).get(
        "/api/v1/problems/nearby", {"category": "garbage", "lon": lon, "lat": "95"}
    )
    assert r.status_code == 400 and SWAPPED not in r.json()["fields"]["lat"]
