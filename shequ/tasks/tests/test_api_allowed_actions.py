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


def test_the_drafts_steps_cost_no_query_a_row(world):
    """Whether a draft may be cancelled depends on its monthly list: read with the list,
    not once per row."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shequ.tasks import services
    from shequ.tasks.tests.test_monthly_page_after_a_post import _months_ahead

    staff = client_for(world.secretary_zhang)

    def drafts(n, month):
        listed = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
        for _ in range(n):
            make_task(
                world, publish=False, monthly_list=listed.pk, deadline=timezone.now() + timedelta(days=120)
            )
        with CaptureQueriesContext(connection) as queries:
            r = staff.get("/api/v1/tasks/", {"status": "draft", "monthly_list": str(listed.pk)})
        assert r.status_code == 200 and len(r.json()["items"]) == n
        assert all(t["allowed_actions"] == ["cancel"] for t in r.json()["items"])
        return len(queries)

    first, second = _months_ahead(2)
    assert drafts(2, first) == drafts(5, second)
