"""A resident opening /problems/?number= (the 编号 on their 回执, or the board's address
kept in the login's next=) was sent to 我的问题 with the number dropped: they paged for it.
The number goes with them and opens their problem, or is named beside the box."""

import pytest

from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_residents_number_search_opens_their_own_problem(world):
    p = report(world)
    resident = client_for(world.resident_wang)
    r = resident.get("/problems/", {"number": p.number})
    assert r.status_code == 302
    r = resident.get(r["Location"])
    assert r.status_code == 302 and r["Location"] == f"/problems/{p.pk}/"
    page = resident.get("/problems/mine/").content.decode()
    assert 'name="number"' in page and "按编号查找" in page


def test_a_number_not_theirs_is_named_and_kept(world):
    p = report(world)  # resident_wang's
    other = world.users["resident@A1-1-h2"]
    r = client_for(other).get("/problems/", {"number": p.number}, follow=True)
    page = r.content.decode()
    assert r.status_code == 400 and "没有找到" in page
    assert f'value="{p.number}"' in page
