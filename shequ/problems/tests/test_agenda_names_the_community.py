"""The street's 联席会议 agenda named only a problem's grid (位置 "第一网格"): every
community may have a 第一网格, so the meeting could not tell whose problem it was, as the
street's ledger could not before it named the community. The agenda names the community
before the place."""

import pytest

from shequ.problems.models import AgendaItem
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_agenda_names_each_problems_community(world):
    made = []
    for key in ("A1", "A2"):
        secretary = world.users[f"community_secretary@{key}"]
        p = report(world, world.user(f"resident@{key}-1-h1"), category="property_management", key=f"{key}-1")
        act(world, secretary, p, "accept")
        act(world, secretary, p, "dispatch")  # street level: on the agenda
        assert AgendaItem.objects.filter(problem=p).exists()
        made.append((key, p))
    page = client_for(world.street_chen).get("/problems/agenda/").content.decode()
    for key, p in made:
        row = page[page.index(p.number) :]
        row = row[: row.index("</tr>")]
        assert f"{world.areas[key].name} {world.areas[f'{key}-1'].name}" in row
