"""Pages whose query count grew with what they list."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.problems.models import Problem, ProblemEvent
from shequ.problems.tests.helpers import grid_point, report

pytestmark = pytest.mark.django_db


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries.captured_queries)


def test_the_duplicate_hint_asks_once_which_problems_the_resident_follows(world):
    """One query per nearby problem (does the resident follow it?) on every pin moved."""
    lon, lat = grid_point(world, "A1-1")
    client = Client()
    client.force_login(world.resident_wang)
    params = {"category": "blocked_drain", "lon": lon, "lat": lat}

    def patrol(n):
        for i in range(n):
            report(world, world.grid_worker_li, source="patrol", description=f"巡查发现管道堵塞第{i}处")

    patrol(2)
    few = _queries(client, "/problems/nearby/", params)
    patrol(10)
    assert _queries(client, "/problems/nearby/", params) == few


def test_a_timeline_reads_each_persons_roles_once(world):
    """Each of the reporter's steps read the reporter's roles again."""
    p = report(world)
    client = Client()
    client.force_login(world.resident_wang)
    few = _queries(client, f"/problems/{p.pk}/")
    step = ProblemEvent.objects.filter(problem=p).get()
    for _ in range(8):
        step.pk = None
        step.save()
    assert Problem.objects.get(pk=p.pk).events.count() == 9
    assert _queries(client, f"/problems/{p.pk}/") == few
