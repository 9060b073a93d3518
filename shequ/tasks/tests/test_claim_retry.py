"""A retried 接单 from a phone (the first answer lost on a weak network) gets the claim
the first request made, with 200, instead of an error over a claim that exists."""

import pytest
from django.test import override_settings

from shequ.access.models import AuditEvent
from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import ClaimEvent, ClaimStatus, Task
from shequ.tasks.tests.helpers import act, make_task, prove, unit_task, unit_with_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _written(task):
    """What a claim writes: places taken, claims, timeline rows, audit rows."""
    return (
        Task.objects.get(pk=task.pk).filled,
        task.claims.count(),
        ClaimEvent.objects.filter(claim__task=task).count(),
        AuditEvent.objects.filter(event="task.claim").count(),
    )


@override_settings(TASK_OPEN_CLAIM_CAP=1)
def test_a_retried_claim_answers_200_with_the_claim_and_writes_nothing(world):
    """The first claim fills the person's cap and the task's one place: the retry is
    still answered with the claim, not refused by either."""
    task = make_task(world, places=1)
    c = client_for(world.resident_wang)
    first = c.post(f"/api/v1/tasks/{task.pk}/claims")
    assert first.status_code == 201, first.content
    written = _written(task)
    assert written[:3] == (1, 1, 1)
    again = c.post(f"/api/v1/tasks/{task.pk}/claims")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "claimed"
    assert again.json()["allowed_actions"] == ["submit", "withdraw"]
    assert _written(task) == written


def test_a_retry_after_the_proof_or_the_award_returns_the_claim_in_its_state(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    c = client_for(world.resident_wang)
    r = c.post(f"/api/v1/tasks/{task.pk}/claims")
    assert (r.status_code, r.json()["id"], r.json()["status"]) == (200, claim.pk, "submitted")
    act(world.grid_worker_li, claim, "accept")
    written = _written(task)
    r = c.post(f"/api/v1/tasks/{task.pk}/claims")
    assert (r.status_code, r.json()["id"], r.json()["status"]) == (200, claim.pk, "accepted")
    assert _written(task) == written


def test_after_a_withdrawal_a_new_claim_is_made_with_201(world):
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    act(world.resident_wang, claim, "withdraw")
    r = client_for(world.resident_wang).post(f"/api/v1/tasks/{task.pk}/claims")
    assert r.status_code == 201 and r.json()["id"] != claim.pk
    assert task.claims.filter(user=world.resident_wang).exclude(status=ClaimStatus.WITHDRAWN).count() == 1


def test_an_award_without_a_live_claim_and_a_colleagues_claim_stay_refused(world):
    from shequ.tasks.models import Claim
    from shequ.tasks.tests.test_unit_claims import second_member

    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    claim = act(world.grid_worker_li, prove(world.resident_wang, claim), "accept")
    # The award stays while its claim is no longer live: no claim to give back, a refusal.
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.WITHDRAWN)
    r = client_for(world.resident_wang).post(f"/api/v1/tasks/{task.pk}/claims")
    assert r.status_code == 400 and r.json()["fields"] == {"task": "您已完成过这个任务并获得积分"}
    # A unit member whose colleague holds the unit's claim is not handed the colleague's.
    unit, partner = unit_with_member(world)
    colleague = second_member(world, unit)
    targeted = unit_task(world, unit, places=2)
    services.claim_task(partner, targeted.pk)
    r = client_for(colleague).post(f"/api/v1/tasks/{targeted.pk}/claims")
    assert r.status_code == 400 and "不能重复接单" in r.json()["fields"]["task"]
    assert Task.objects.get(pk=targeted.pk).filled == 1


def test_a_repeat_racing_the_first_claim_gets_it_and_gives_its_place_back(world, monkeypatch):
    """Both requests passed the first look before either wrote: the database refuses the
    second claim, and its answer is the first's claim, its place given back."""
    task = make_task(world, places=2)
    claim = services.claim_task(world.resident_wang, task.pk)
    real, looks = services.live_claim, []

    def first_look_misses(viewer, task_id):
        looks.append(task_id)
        return None if len(looks) == 1 else real(viewer, task_id)

    monkeypatch.setattr(services, "live_claim", first_look_misses)
    assert services.claim_task_once(world.resident_wang, task.pk) == (claim, False)
    assert len(looks) == 2 and _written(task)[:3] == (1, 1, 1)


def _first_look_misses(monkeypatch):
    """The repeat passes the first look before the first claim commits (a race)."""
    real, looks = services.live_claim, []

    def look(viewer, task_id):
        looks.append(task_id)
        return None if len(looks) == 1 else real(viewer, task_id)

    monkeypatch.setattr(services, "live_claim", look)


def test_a_racing_repeat_refused_by_the_last_place_gets_the_claim(world, monkeypatch):
    task = make_task(world, places=1)
    claim = services.claim_task(world.resident_wang, task.pk)
    _first_look_misses(monkeypatch)
    assert services.claim_task_once(world.resident_wang, task.pk) == (claim, False)


@override_settings(TASK_OPEN_CLAIM_CAP=1)
def test_a_racing_repeat_refused_by_the_cap_gets_the_claim(world, monkeypatch):
    task = make_task(world, places=3)
    claim = services.claim_task(world.resident_wang, task.pk)
    _first_look_misses(monkeypatch)
    assert services.claim_task_once(world.resident_wang, task.pk) == (claim, False)


def test_a_racing_double_tap_on_the_last_place_lands_on_the_claim_page(world, monkeypatch):
    task = make_task(world, places=1)
    claim = services.claim_task(world.resident_wang, task.pk)
    _first_look_misses(monkeypatch)
    r = client_for(world.resident_wang).post(f"/tasks/{task.pk}/act/", {"action": "claim"})
    assert r.status_code == 302 and r["Location"] == f"/tasks/claims/{claim.pk}/"


def test_a_full_task_still_refuses_someone_without_a_claim(world):
    task = make_task(world, places=1)
    services.claim_task(world.resident_wang, task.pk)
    with pytest.raises(ValidationFailed, match="名额已满"):
        services.claim_task_once(world.users["resident@A1-1-h2"], task.pk)


def test_the_api_lists_what_the_cap_counts(world):
    wang = world.resident_wang
    waiting, todo = make_task(world, title="等验收"), make_task(world, title="要做")
    prove(wang, services.claim_task(wang, waiting.pk))
    mine = services.claim_task(wang, todo.pk)
    body = client_for(wang).get("/api/v1/claims/?status=todo").json()
    assert [c["id"] for c in body["items"]] == [mine.pk]
