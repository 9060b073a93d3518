"""排名 with year=0: the page named the year (400) while the API answered the current
year's lists as if nothing were wrong, and an app showed them labelled as asked. Both
API endpoints now refuse 0 as the pages do; left out is still the current one."""

import pytest
from django.test import Client

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

ZERO_YEAR = "年份必须是 2000 到 2100 之间的整数，您填写的是“0”"


def test_the_rankings_api_refuses_year_zero_as_the_page_does(world):
    staff, code = client_for(world.secretary_zhang), world.areas["A1"].code
    page = staff.get("/points/rankings/", {"community": code, "year": "0"})
    assert page.status_code == 400 and ZERO_YEAR in page.content.decode()
    r = staff.get("/api/v1/points/rankings", {"community": code, "year": "0"})
    assert r.status_code == 400 and r.json()["fields"] == {"year": ZERO_YEAR}
    r = staff.get("/api/v1/points/rankings", {"community": code, "quarter": "0"})
    assert r.status_code == 400 and "quarter" in r.json()["fields"]
    assert staff.get("/api/v1/points/rankings", {"community": code}).status_code == 200


def test_the_notice_api_refuses_year_zero_as_its_page_does(world):
    code = world.areas["A1"].code
    assert Client().get(f"/points/notice/{code}/", {"year": "0"}).status_code == 400
    r = Client().get(f"/api/v1/points/notice/{code}", {"year": "0"})
    assert r.status_code == 400 and r.json()["fields"] == {"year": ZERO_YEAR}
    assert Client().get(f"/api/v1/points/notice/{code}").status_code == 200
