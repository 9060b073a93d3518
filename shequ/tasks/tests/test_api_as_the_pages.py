"""The JSON API tells what the staff and resident pages show: a task's claims, a claim's
and an order's timeline, the task a problem became, a reversed award, the notice board."""

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_api_lists_the_claims_of_a_task_as_the_task_page_does(world):
    task = make_task(world, key="A1")
    claim = services.claim_task(world.resident_wang, task.pk)
    other = services.claim_task(world.users["resident@A1-1-h2"], task.pk)
    api = client_for(world.secretary_zhang).get(f"/api/v1/claims/?task={task.pk}").json()
    assert [c["id"] for c in api["items"]] == [claim.pk, other.pk]
    assert api["items"][0]["claimant"] == str(world.resident_wang)
    # The status filter narrows it; a claimer sees only their own claim of the task.
    services.transition_claim(world.resident_wang, claim.pk, services.ClaimActionInput(action="withdraw"))
    staff = client_for(world.secretary_zhang)
    open_ = staff.get("/api/v1/claims/", {"task": task.pk, "status": "open"}).json()["items"]
    assert [c["id"] for c in open_] == [other.pk]
    own = client_for(world.resident_wang).get(f"/api/v1/claims/?task={task.pk}").json()["items"]
    assert [c["id"] for c in own] == [claim.pk]


def test_a_task_out_of_scope_is_a_404_for_its_claims_as_for_the_task(world):
    task = make_task(world, key="A1")
    services.claim_task(world.resident_wang, task.pk)
    outsider = client_for(world.outsider_zhao)
    assert outsider.get(f"/api/v1/tasks/{task.pk}").status_code == 404
    r = outsider.get(f"/api/v1/claims/?task={task.pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = outsider.get(f"/api/v1/claims/?task={task.pk}&queue=true")
    assert r.status_code == 404
    r = client_for(world.secretary_zhang).get("/api/v1/claims/?task=-1")
    assert r.status_code == 400 and r.json()["fields"] == {"task": "任务编号不存在"}
