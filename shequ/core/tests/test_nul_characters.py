"""A NUL character pasted into a field (invisible; some apps put one at the end of copied
text): PostgreSQL cannot store it, and the report form answered "提交的数字太大或内容太长"
with everything typed lost, the API 400 with that same wrong reason. On SQLite it was kept,
unseen. A form's NUL is now dropped; the API's JSON is refused naming the field."""

import json

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_report_form_is_dropped_and_the_report_saved(world):
    lon, lat = grid_point(world, "A1-1")
    c = client_for(world.resident_wang)
    r = c.post(
        "/problems/new/",
        {
            "category": "blocked_drain",
            "description": "3号楼下水道堵了\x00，污水漫到路上",
            "lon": str(lon),
            "lat": str(lat),
            "address": "3号楼\x00",
            "idempotency_key": "nul-report-1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    problem = Problem.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    assert problem.description == "3号楼下水道堵了，污水漫到路上"
    assert problem.address == "3号楼"


def test_a_nul_in_a_search_is_dropped(world):
    resident = world.residents["A1-1-h1-r1"]
    r = client_for(world.secretary_zhang).get("/residents/", {"q": resident.name + "\x00"})
    assert r.status_code == 200 and resident.name in r.content.decode()


def test_a_nul_in_the_api_json_is_refused_naming_the_field(world):
    lon, lat = grid_point(world, "A1-1")
    before = Problem.objects.count()
    body = json.dumps({"category": "blocked_drain", "description": "下水道堵了\x00", "lon": lon, "lat": lat})
    c = client_for(world.resident_wang)
    c.raise_request_exception = False
    r = c.post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert r.json()["fields"] == {"description": "包含空字符（\\u0000），无法保存，请删去后重试"}
    assert Problem.objects.count() == before
    # Text that only spells the escape is text, and kept.
    body = json.dumps(
        {"category": "blocked_drain", "description": "代码里写着 \\u0000", "lon": lon, "lat": lat}
    )
    r = c.post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 201, r.content
