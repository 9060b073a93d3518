"""The board shows a resident "我的接单：<state>" on a task they hold or completed, instead of
offering it again; `GET /tasks/` and `GET /tasks/{id}` said nothing of it, so an app
built on the API offered 接单 on a task already taken and could not tell a done one from a
new one. Each task now carries `my_claim` (the caller's live claim's state, or null) and
`my_claim_reversed` (its award taken back by 冲正), as the page reads them."""

import pytest

from shequ.points import services as points
from shequ.points.models import Transaction
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _rows(user):
    return {row["id"]: row for row in client_for(user).get("/api/v1/tasks/").json()["items"]}


def test_the_api_says_which_tasks_the_caller_holds(world):
    held = make_task(world, title="帮独居老人搬运物品")
    free = make_task(world, title="清理楼道小广告")
    services.claim_task(world.resident_wang, held.pk)

    rows = _rows(world.resident_wang)
    assert (rows[held.pk]["my_claim"], rows[held.pk]["my_claim_reversed"]) == ("claimed", False)
    assert rows[free.pk]["my_claim"] is None
    one = client_for(world.resident_wang).get(f"/api/v1/tasks/{held.pk}").json()
    assert one["my_claim"] == "claimed"
    # Someone else's claim is not the caller's.
    neighbour = client_for(world.users["resident@A1-2-h1"])
    assert neighbour.get(f"/api/v1/tasks/{held.pk}").json()["my_claim"] is None


def test_a_reversed_award_is_said_as_the_page_says_it(world):
    task = make_task(world, title="更换楼道灯泡")
    claim = services.claim_task(world.resident_wang, task.pk)
    from shequ.tasks.tests.test_grid_worker_sees_claims_of_the_grid import _photo

    proof = services.ClaimActionInput(action="submit", note="换好了", files=[_photo()])
    services.transition_claim(world.resident_wang, claim.pk, proof)
    services.transition_claim(world.grid_worker_li, claim.pk, services.ClaimActionInput(action="accept"))
    award = Transaction.objects.get(task=task, kind="award")
    points.reverse(world.secretary_zhang, award.pk, "重复上报")

    one = client_for(world.resident_wang).get(f"/api/v1/tasks/{task.pk}").json()
    assert (one["my_claim"], one["my_claim_reversed"]) == ("accepted", True)
    rows = _rows(world.resident_wang)  # a place left: still on the board, said as done
    assert (rows[task.pk]["my_claim"], rows[task.pk]["my_claim_reversed"]) == ("accepted", True)
