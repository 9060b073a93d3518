"""A 代报 shows its resident (masked, 张*) to staff on the problem page; the API's detail
never named them, so a grid worker's app could not tell whose problem it had filed."""

import json

import pytest

from shequ.access.masking import mask_name
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_read_whom_a_behalf_report_is_for_in_the_api_as_on_the_page(world):
    li = client_for(world.grid_worker_li)
    elder = world.residents["A1-1-h2-r1"]
    lon, lat = grid_point(world)
    body = {
        "category": "garbage",
        "description": "王大爷反映楼下垃圾没人收",
        "source": "on_behalf",
        "on_behalf_of": elder.pk,
        "lon": lon,
        "lat": lat,
    }
    r = li.post("/api/v1/problems/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201
    pk = r.json()["id"]
    shown = mask_name(elder.name)
    assert shown != elder.name
    # The page names the resident, masked, to staff.
    assert f"<dt>代报居民</dt><dd>{shown}</dd>" in li.get(f"/problems/{pk}/").content.decode()
    # Then: so does the API's detail, to the grid worker and to the community's staff.
    assert li.get(f"/api/v1/problems/{pk}").json()["on_behalf_of_name"] == shown
    staff = client_for(world.users["community_staff@A1"])
    assert staff.get(f"/api/v1/problems/{pk}").json()["on_behalf_of_name"] == shown
    # A problem reported by a resident has none.
    mine = client_for(world.resident_wang).post(
        "/api/v1/problems/",
        json.dumps({"category": "garbage", "description": "垃圾三天没清运", "lon": lon, "lat": lat}),
        content_type="application/json",
    )
    assert staff.get(f"/api/v1/problems/{mine.json()['id']}").json()["on_behalf_of_name"] is None
