"""A targeted task's page and API detail read the same number of queries whatever the
number of skilled residents it is aimed at."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

SKILLED = ["A1-1-h1-r1", "A1-1-h1-r2", "A1-1-h2-r1", "A1-1-h2-r2", "A1-2-h1-r1", "A1-2-h1-r2"]


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def test_a_task_aimed_at_more_skilled_residents_costs_no_more_queries(world):
    # Each skilled resident a task was aimed at (目标能人) was read in a query of its own
    # to print "name（trade）" on the task's page and in GET /api/v1/tasks/{id}.
    talents = [
        services.add_talent(world.secretary_zhang, world.residents[key].pk, "able", "维修", "修水管")
        for key in SKILLED
    ]
    two = make_task(world, key="A1", audience="targeted", target_talents=[t.pk for t in talents[:2]])
    six = make_task(world, key="A1", audience="targeted", target_talents=[t.pk for t in talents])
    for user in ("community_secretary@A1", "resident@A1-1-h1"):
        client = client_for(world.users[user])
        for url in ("/tasks/{}/", "/api/v1/tasks/{}"):
            assert queries(client, url.format(six.pk)) == queries(client, url.format(two.pk)), (user, url)
    body = client_for(world.secretary_zhang).get(f"/api/v1/tasks/{six.pk}").json()
    assert len(body["target_talents"]) == 6 and all("（维修）" in label for label in body["target_talents"])
