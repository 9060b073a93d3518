"""A client drawing a task or a monthly list had to guess which buttons to show: the
claim carried its allowed steps, the task and the list did not, so an app offered 结束任务
to a resident and 审批通过 to the secretary who drew the list up (both then refused)."""

import pytest

from shequ.tasks.tests.helpers import make_task, submitted_list
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _task(client, task_id):
    r = client.get(f"/api/v1/tasks/{task_id}")
    assert r.status_code == 200, r.content
    return r.json()


def test_a_task_says_which_steps_the_caller_may_take(world):
    published = make_task(world)
    draft = make_task(world, publish=False)
    staff, resident = client_for(world.secretary_zhang), client_for(world.resident_wang)
    assert _task(staff, published.pk)["allowed_actions"] == ["close"]
    assert _task(resident, published.pk)["allowed_actions"] == []
    assert _task(staff, draft.pk)["allowed_actions"] == ["publish", "cancel"]
    listed = {t["id"]: t["allowed_actions"] for t in staff.get("/api/v1/tasks/").json()["items"]}
    assert listed[published.pk] == ["close"]


def test_a_monthly_list_says_which_steps_the_caller_may_take(world):
    monthly = submitted_list(world)

    def actions(user):
        rows = client_for(user).get("/api/v1/monthly-lists/", {"status": "submitted"}).json()["items"]
        return next(m["allowed_actions"] for m in rows if m["id"] == monthly.pk)

    # The street approves or returns it; the community that sent it waits.
    assert actions(world.street_chen) == ["approve", "return"]
    assert actions(world.secretary_zhang) == []
