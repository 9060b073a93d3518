"""A person whose award for a task was reversed (冲正) read "已验收" on the task's page and
on the board ("我的接单：已验收"), as if the points stood; the claim page and 我的任务 said
积分已冲正. The task page and the board say it too."""

import pytest

from shequ.points import services as points
from shequ.tasks import services
from shequ.tasks.models import Award
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _reversed(world):
    task = make_task(world, places=2)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    act(world.grid_worker_li, claim, "accept")
    points.reverse(world.secretary_zhang, Award.objects.get(claim=claim).transaction_id, "照片不对")
    return task


def test_the_task_page_says_the_points_were_reversed(world):
    task = _reversed(world)
    page = client_for(world.resident_wang).get(f"/tasks/{task.pk}/").content.decode()
    assert "积分已冲正" in page


def test_the_board_says_the_points_were_reversed(world):
    task = _reversed(world)
    page = client_for(world.resident_wang).get("/tasks/").content.decode()
    row = page[page.index(f'href="/tasks/{task.pk}/"') :]
    row = row[: row.index("</li>")]
    assert "积分已冲正" in row


def test_a_standing_award_is_not_said_reversed(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    act(world.grid_worker_li, claim, "accept")
    resident = client_for(world.resident_wang)
    assert "积分已冲正" not in resident.get(f"/tasks/{task.pk}/").content.decode()
    assert "积分已冲正" not in resident.get("/tasks/").content.decode()


def test_the_staff_claims_table_says_the_points_were_reversed(world):
    task = _reversed(world)
    page = client_for(world.secretary_zhang).get(f"/tasks/{task.pk}/").content.decode()
    table = page[page.index("接单情况") :]
    assert "积分已冲正" in table[: table.index("</table>")]


def test_claiming_again_after_a_reversal_says_the_points_were_taken_back(world):
    """The refusal said 并获得积分 although the points had been taken back."""
    from shequ.tasks.models import Claim, ClaimStatus
    from shequ.tasks.selectors import claim_closed_reason

    task = _reversed(world)
    said = "您已完成过这个任务并通过验收，所得积分已冲正，不能再次接单"
    assert claim_closed_reason(task, world.resident_wang) == said
    # The award stays while its claim is no longer live (as in test_claim_retry): refused.
    Claim.objects.filter(task=task, user=world.resident_wang).update(status=ClaimStatus.WITHDRAWN)
    r = client_for(world.resident_wang).post(f"/api/v1/tasks/{task.pk}/claims")
    assert r.status_code == 400 and r.json()["fields"] == {"task": said}
