"""The open-claim cap counts what the person still has to do (claimed, returned), not a
proof waiting for a grid worker's acceptance: a volunteer whose proofs wait for a slow
grid worker could take no further task though nothing was left for them to do."""

import pytest
from django.test import override_settings

from shequ.core.errors import ValidationFailed
from shequ.tasks import selectors, services
from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@override_settings(TASK_OPEN_CLAIM_CAP=3)
def test_proofs_waiting_for_acceptance_leave_room_and_the_pages_say_so(world):
    wang = world.resident_wang
    tasks = [make_task(world, title=f"任务{i}") for i in range(6)]
    for t in tasks[:3]:
        prove(wang, services.claim_task(wang, t.pk))
    assert selectors.open_claim_count(wang) == 0
    # A fourth task is claimed, in the service and from the page's offer.
    services.claim_task(wang, tasks[3].pk)
    services.claim_task(wang, tasks[4].pk)
    c = client_for(wang)
    page = c.get(f"/tasks/{tasks[5].pk}/").content.decode()
    assert 'class="claim"' in page
    assert "您当前有 2 个进行中的任务（最多 3 个），另有 3 个待验收（不计入上限）" in page
    board = c.get("/tasks/").content.decode()
    assert "您当前有 <b>2</b> 个进行中的任务（最多 3 个），另有 <b>3</b> 个待验收（不计入上限）" in board
    mine = c.get("/tasks/mine/").content.decode()
    assert "进行中 <b>2</b> 个，最多同时进行 3 个；另有 <b>3</b> 个待验收，不计入上限" in mine
    services.claim_task(wang, tasks[5].pk)
    # Three to do: the cap is reached, and the refusal says what frees a place.
    seventh = make_task(world, title="任务6")
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(wang, seventh.pk)
    assert exc.value.fields == {"task": "您已有 3 个进行中的任务，最多同时进行 3 个，请先提交完成凭证或撤回"}
    page = c.get(f"/tasks/{seventh.pk}/").content.decode()
    assert 'class="claim"' not in page and "提交完成凭证或撤回后才能再接单" in page


@override_settings(TASK_OPEN_CLAIM_CAP=1)
def test_a_returned_claim_counts_again_and_its_proof_can_still_be_sent(world):
    wang, grid = world.resident_wang, world.grid_worker_li
    first, second, third = (make_task(world, title=f"任务{i}") for i in range(3))
    claim = prove(wang, services.claim_task(wang, first.pk))
    services.claim_task(wang, second.pk)  # the first waits for acceptance: room for one
    act(grid, claim, "return", note="照片不清楚")
    # Two to do over a cap of one: no new claim...
    assert selectors.open_claim_count(wang) == 2
    with pytest.raises(ValidationFailed, match="您已有 2 个进行中的任务"):
        services.claim_task(wang, third.pk)
    # ...but the returned claim's proof is sent again, on the API too.
    from shequ.problems.tests.helpers import jpeg

    r = client_for(wang).post(f"/api/v1/claims/{claim.pk}/proof", {"note": "重新拍了", "files": [jpeg()]})
    assert r.status_code == 200 and r.json()["status"] == ClaimStatus.SUBMITTED
    assert selectors.claim_load(wang) == {"held": 1, "waiting": 1}


def test_my_tasks_lists_to_do_and_waiting_under_their_own_tabs(world):
    """The 进行中 tab lists what the header counts; proofs waiting are under 待验收."""
    wang = world.resident_wang
    waiting, todo = make_task(world, title="等验收的任务"), make_task(world, title="还要做的任务")
    prove(wang, services.claim_task(wang, waiting.pk))
    services.claim_task(wang, todo.pk)
    c = client_for(wang)
    doing = c.get("/tasks/mine/?status=todo").content.decode()
    assert "还要做的任务" in doing and "等验收的任务" not in doing
    assert 'aria-current="page">进行中</a>' in doing
    check = c.get("/tasks/mine/?status=submitted").content.decode()
    assert "等验收的任务" in check and "还要做的任务" not in check
    both = c.get("/tasks/mine/?status=open")  # a link from before the tabs were split
    assert both.status_code == 200
    assert "等验收的任务" in both.content.decode() and "还要做的任务" in both.content.decode()
