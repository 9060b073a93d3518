"""A pin on the border two grids of neighbouring communities share lies in both: it is
placed in the grid the reporter may report in, not refused as the other community's."""

import pytest
import shapely
from shapely.geometry import shape

from shequ.problems import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _border_point(world):
    """A point on the west edge of grid A2-1 (community A2), which is also the east edge
    of grid A1-2 (community A1)."""
    ring = world.areas["A2-1"].geometry["coordinates"][0]
    point = (ring[0][0], (ring[0][1] + ring[2][1]) / 2)
    for key in ("A1-2", "A2-1"):  # the premise: the point lies in both grids
        assert shape(world.areas[key].geometry).intersects(shapely.Point(*point)), key
    return point


def _report(user, lon, lat):
    data = services.ReportInput(category="garbage", description="两个网格交界处垃圾堆放", lon=lon, lat=lat)
    return services.report_problem(user, data)[0]


def test_a_resident_on_the_border_of_their_grid_reports_into_their_own_grid(world):
    lon, lat = _border_point(world)
    problem = _report(world.users["resident@A2-1-h1"], lon, lat)
    assert problem.area_id == world.areas["A2-1"].pk and problem.located
    assert (problem.lon, problem.lat) == (lon, lat)


def test_the_neighbouring_resident_on_the_same_border_reports_into_theirs(world):
    lon, lat = _border_point(world)
    problem = _report(world.users["resident@A1-2-h1"], lon, lat)
    assert problem.area_id == world.areas["A1-2"].pk and problem.located


def test_the_border_pin_is_accepted_through_the_api_as_well(world):
    lon, lat = _border_point(world)
    client = client_for(world.users["resident@A2-1-h2"])
    body = {"category": "garbage", "description": "两个网格交界处垃圾堆放", "lon": lon, "lat": lat}
    answer = client.post("/api/v1/problems/", body, content_type="application/json")
    assert answer.status_code == 201, answer.content.decode()
    assert answer.json()["area"] == world.areas["A2-1"].code
