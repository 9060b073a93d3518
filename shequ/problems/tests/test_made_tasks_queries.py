"""The problem's page and API name the tasks made from it (转为任务) that the viewer may
open, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.problems.tests.helpers import report
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


def test_each_task_made_from_a_problem_costs_its_reporter_no_more_queries(world):
    # For a resident (no task.view), each task made from their problem was checked in
    # three queries of its own (their units, their teams, the task open to them).
    one, four = report(world), report(world, description="楼道灯不亮，晚上看不见路")
    made = [make_task(world, key="A1", problem=one.pk, title="疏通下水管")]
    made += [make_task(world, key="A1", problem=four.pk, title=f"疏通下水管{i}") for i in range(4)]
    make_task(world, key="A1", problem=one.pk, title="草稿任务", publish=False)
    draft = make_task(world, key="A1", problem=four.pk, title="草稿任务", publish=False)
    wang = client_for(world.resident_wang)
    for url in ("/problems/{}/", "/api/v1/problems/{}"):
        few, _ = queries(wang, url.format(one.pk))
        many, response = queries(wang, url.format(four.pk))
        assert many == few, url
    page = wang.get(f"/problems/{four.pk}/").content.decode()
    assert all(f"/tasks/{t.pk}/" in page for t in made[1:]) and f"/tasks/{draft.pk}/" not in page
    staff = client_for(world.secretary_zhang).get(f"/problems/{four.pk}/").content.decode()
    assert f"/tasks/{draft.pk}/" in staff
