"""An API address written with a final slash it does not have.

The lists end with "/" (`/api/v1/problems/`) and one record's address does not
(`/api/v1/problems/{id}`). A client that wrote every address the lists' way was told
"接口 /api/v1/problems/42/ 不存在" for a problem it could open, and
"接口 /api/v1/auth/token/ 不存在" on signing out: as if the endpoint were missing. An
address missing its final slash was already answered naming the right one."""

import json

import pytest

from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_an_address_with_a_final_slash_too_many_is_answered_with_the_right_one(world):
    # Given a resident's own problem, and the API read and written as the lists are spelt
    resident = client_for(world.resident_wang)
    problem = report(world)
    for method, path in [
        ("get", f"/api/v1/problems/{problem.pk}/"),
        ("post", f"/api/v1/problems/{problem.pk}/transitions/"),
        ("delete", "/api/v1/auth/token/"),
        ("get", "/api/v1/points/balance/"),
    ]:
        # When it is asked for with the slash
        if method == "get":
            r = resident.get(path)
        else:
            r = getattr(resident, method)(path, json.dumps({}), content_type="application/json")

        # Then the answer names the address without it, in the API's error shape
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json() == {
            "code": "not_found",
            "message": f"接口地址应为 {path[:-1]}（结尾不带 /）",
            "fields": {},
        }
    # The address itself answers, and an address that is not one is still said to be missing
    assert resident.get(f"/api/v1/problems/{problem.pk}").status_code == 200
    r = resident.get("/api/v1/problemz/")
    assert r.status_code == 404 and r.json()["message"] == "接口 /api/v1/problemz/ 不存在"
