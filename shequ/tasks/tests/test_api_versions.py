"""The stale-page guard for API clients: claims and monthly lists give a version, a step
sent with an older one is refused (409 changed), and the OpenAPI document says so."""

import json

import pytest

from shequ.api import api
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus, ListStatus
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.tasks.tests.test_query_counts import month_ahead
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_accepting_a_proof_from_an_older_read_is_refused(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    grid = client_for(world.grid_worker_li)
    read = grid.get(f"/api/v1/claims/{claim.pk}").json()["version"]
    # Returned by a colleague and sent again since: the worker never saw the new proof.
    act(world.secretary_zhang, claim, "return", note="照片看不清")
    prove(world.resident_wang, claim, note="重新拍了")
    r = grid.post(f"/api/v1/claims/{claim.pk}/accept?seen={read}")
    assert r.status_code == 409 and r.json()["code"] == "changed"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    fresh = grid.get(f"/api/v1/claims/{claim.pk}").json()["version"]
    assert fresh > read
    assert grid.post(f"/api/v1/claims/{claim.pk}/accept?seen={fresh}").status_code == 200
    queued = client_for(world.grid_worker_li).get("/api/v1/claims/", {"queue": "true"}).json()["items"]
    assert all(isinstance(c["version"], int) for c in queued)


def test_a_list_step_from_an_older_read_is_refused(world):
    from datetime import timedelta

    from django.utils import timezone

    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month_ahead(1))
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60))
    staff, street = client_for(world.secretary_zhang), client_for(world.street_chen)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    read = [m for m in street.get("/api/v1/monthly-lists/").json()["items"] if m["id"] == monthly.pk][0]
    services.transition_list(world.street_chen, monthly.pk, "return", "请补充任务")
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    body = {"action": "approve", "seen": read["version"]}
    r = street.post(f"/api/v1/monthly-lists/{monthly.pk}/transitions", json.dumps(body), "application/json")
    assert r.status_code == 409 and r.json()["code"] == "changed"
    now = [m for m in staff.get("/api/v1/monthly-lists/").json()["items"] if m["id"] == monthly.pk][0]
    assert now["status"] == ListStatus.SUBMITTED and now["version"] == read["version"] + 2
    body["seen"] = now["version"]
    r = street.post(f"/api/v1/monthly-lists/{monthly.pk}/transitions", json.dumps(body), "application/json")
    assert r.status_code == 200


def test_the_openapi_document_names_seen_and_the_409():
    schema = api.get_openapi_schema()
    paths = schema["paths"]
    problem = paths["/api/v1/problems/{problem_id}/transitions"]["post"]
    body = problem["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "seen" in body and "409" in problem["responses"]
    assert "409" in paths["/api/v1/claims/{claim_id}/accept"]["post"]["responses"]
    assert any(p["name"] == "seen" for p in paths["/api/v1/claims/{claim_id}/accept"]["post"]["parameters"])
    assert "409" in paths["/api/v1/monthly-lists/{list_id}/transitions"]["post"]["responses"]
    assert "409" in paths["/api/v1/tasks/{task_id}"]["put"]["responses"]
