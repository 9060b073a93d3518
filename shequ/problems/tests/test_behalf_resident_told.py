"""A grid worker's 代报 tells the resident it was reported for, when they have a login: it
is theirs to follow, rate and reopen, yet they heard nothing until staff took it up (or
turned it down), and learnt of it only by chancing on 我的问题."""

import pytest

from shequ.notifications.models import Notification
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_resident_reported_for_is_told_it_was_filed(world):
    li = world.grid_worker_li
    target = world.residents["A1-1-h1-r1"]
    resident = world.user("resident@A1-1-h1")
    assert resident.resident_id == target.pk
    lon, lat = grid_point(world)
    # Given a grid worker reporting for the resident on the page.
    r = client_for(li).post(
        "/problems/new/",
        {
            "category": "garbage",
            "description": "代王大爷反映楼下垃圾没人收",
            "source": "on_behalf",
            "lon": lon,
            "lat": lat,
            "on_behalf_id_number": world.full_values[target.pk][0],
        },
    )
    assert r.status_code == 302
    problem = Problem.objects.get(description="代王大爷反映楼下垃圾没人收")
    # Then the resident is told at once, with a link to it; the worker is not.
    (notice,) = Notification.objects.filter(user=resident, link=f"/problems/{problem.pk}/")
    assert "代报" in notice.text and problem.number in notice.text and str(li) in notice.text
    assert not Notification.objects.filter(user=li, link=f"/problems/{problem.pk}/").exists()
