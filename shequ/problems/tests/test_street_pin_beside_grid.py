"""Street staff, who belong to no community, who put a pin just beside a grid (outside
every grid) were told 请在地图上标出位置 — to put the pin they had just put. They are now
told that the pin lies in no grid and to choose the community or grid, under ``area``;
an Open311 client, which has no picker, is told the point is in no grid."""

import re

import pytest
from django.test import Client, override_settings

from shequ.access.services import add_open311_key
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

OFF_GRID = "标出的位置不在任何网格内，请选择所在社区或网格"


def _beside_a_grid(world):
    """500 m south of grid A1-1: outside every grid, within reach of the street's grids."""
    lon, _ = grid_point(world, "A1-1")
    south = min(pt[1] for pt in world.areas["A1-1"].geometry["coordinates"][0])
    return lon, south - 500 / 111_320.0


def _form(world):
    lon, lat = _beside_a_grid(world)
    form = {"category": "garbage", "description": "街道巡查发现垃圾堆放", "source": "patrol"}
    return {**form, "lon": lon, "lat": lat}


def test_the_api_says_the_pin_is_in_no_grid_under_area(world):
    r = client_for(world.street_chen).post("/api/v1/problems/", _form(world), content_type="application/json")
    assert r.status_code == 400 and r.json()["fields"] == {"area": OFF_GRID}


@override_settings(MAP_TILE_URL="http://tiles.intranet/{z}/{x}/{y}.png")  # the street's map has tiles only
def test_the_page_says_so_and_keeps_the_pin_then_takes_the_chosen_community(world):
    c = client_for(world.street_chen)
    form = _form(world)
    r = c.post("/problems/new/", form)
    body = r.content.decode()
    assert r.status_code == 400
    assert re.findall(r'field-error">([^<]*)', body) == [OFF_GRID]
    assert f'value="{form["lat"]}"' in body  # the pin is kept on the form
    r = c.post("/problems/new/", {**form, "area": world.areas["A1"].code})
    assert r.status_code == 302
    problem = Problem.objects.get(pk=int(r["Location"].strip("/").split("/")[-1]))
    assert problem.area_id == world.areas["A1"].pk and problem.lat == pytest.approx(form["lat"])


def test_open311_says_the_point_is_in_no_grid(world):
    lon, lat = _beside_a_grid(world)
    key = add_open311_key(world.street_chen, "测试客户端")[1]
    fields = {"api_key": key, "service_code": "garbage", "description": "街道巡查发现垃圾"}
    r = Client().post("/open311/v2/requests.json", {**fields, "lat": lat, "long": lon})
    assert r.status_code == 400
    (why,) = [e["description"] for e in r.json()]
    assert why.startswith("lat：") and "不在任何网格内" in why and "请提供 lat 和 long" not in why
