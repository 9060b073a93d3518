"""A resident rings the community with the 编号 from their 回执 (or a 12345 list names
it); the worker had no way to find it on the board but to page through the filters.
The board's 按编号查找 opens it, as typed (full-width digits, spaces), when it is in the
worker's scope, and names the field otherwise."""

import pytest

from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_problem_is_found_by_its_number(world):
    p = report(world)
    staff = client_for(world.secretary_zhang)
    page = staff.get("/problems/").content.decode()
    assert 'name="number"' in page and "按编号查找" in page
    r = staff.get("/problems/", {"number": p.number})
    assert r.status_code == 302 and r["Location"] == f"/problems/{p.pk}/"
    typed = (
        " " + p.number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))[:8] + " " + p.number[8:]
    )
    assert staff.get("/problems/", {"number": typed})["Location"] == f"/problems/{p.pk}/"


@pytest.mark.parametrize("how", ["wrong day", "out of scope", "not a number", "past any id"])
def test_a_number_not_found_is_named_and_kept(world, how):
    p = report(world)
    number, who = p.number, world.secretary_zhang
    if how == "wrong day":
        number = "19990101" + number[8:]  # the id of a real problem, the date not its own
    elif how == "out of scope":
        who = world.outsider_zhao
    elif how == "past any id":
        number = "20261122" + "9" * 19
    else:
        number = "20261122-abc"
    r = client_for(who).get("/problems/", {"number": number})
    page = r.content.decode()
    assert r.status_code == 400
    assert "编号" in page and ("没有找到" in page or "14 位" in page)
    assert f'value="{number}"' in page  # kept in the box to correct


def test_the_api_finds_a_problem_by_its_number_as_the_board_does(world):
    """The app's search box had no twin of the board's 按编号查找: a client had to page
    through /problems/ to find the number a resident read out."""
    p = report(world)
    api = client_for(world.secretary_zhang)
    r = api.get("/api/v1/problems/by-number", {"number": " " + p.number[:8] + " " + p.number[8:]})
    assert r.status_code == 200, r.content
    assert r.json()["id"] == p.pk and r.json()["number"] == p.number
    for who, number in (
        (world.secretary_zhang, "19990101" + p.number[8:]),
        (world.outsider_zhao, p.number),
        (world.secretary_zhang, "abc"),
    ):
        r = client_for(who).get("/api/v1/problems/by-number", {"number": number})
        assert r.status_code == 400, r.content
        assert "编号" in r.json()["fields"]["number"]
