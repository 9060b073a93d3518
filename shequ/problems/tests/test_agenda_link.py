"""联席会议议题 is for who triages (the street runs the meeting, a community's triage staff
bring their problems to it): the board offered it to a grid worker too, whose agenda then
read 没有待议的问题 while a problem of their own grid waited on the street's agenda."""

import pytest

from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_grid_worker_is_not_offered_an_agenda_that_always_looks_empty(world):
    zhang = world.secretary_zhang
    p = report(world, category="property_management", description="物业长期不清理楼道杂物")
    act(world, zhang, p, "accept")
    act(world, zhang, p, "dispatch")  # street level: on the joint meeting's agenda
    assert p.number in client_for(zhang).get("/problems/agenda/").content.decode()
    li = client_for(world.grid_worker_li)
    assert 'href="/problems/agenda/"' not in li.get("/problems/").content.decode()
    assert li.get("/problems/agenda/").status_code == 404
    assert 'href="/problems/agenda/"' in client_for(zhang).get("/problems/").content.decode()
