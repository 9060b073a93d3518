"""走访覆盖率 as the coverage page and the API show it: never 100% while a household is
still unvisited, and "—" (null on the API) for a grid with no households to divide by."""

import re

import pytest
from django.utils import timezone

from shequ.areas.models import AreaKind
from shequ.areas.services import create_area
from shequ.people import selectors
from shequ.people.selectors import Coverage
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def grid_row(page, label):
    """The cells of a row: 网格, 户数, 已走访, 覆盖率, 计划."""
    row = page[page.index(f"<td>{label}</td>") :]
    return re.findall(r"<td>(.*?)</td>", row[: row.index("</tr>")])


def test_a_grid_with_one_household_left_is_not_shown_as_fully_visited(world, monkeypatch):
    """199 of 200 households was shown as 100%: a street reading the page took the grid's
    四千行动 as done."""
    a1 = world.areas["A1"]
    rows = [Coverage("网格甲", "g1", 200, 199), Coverage("网格乙", "g2", 3, 2)]
    monkeypatch.setattr(selectors, "coverage", lambda viewer, area, start, end: (rows, []))
    page = client_for(world.secretary_zhang).get(f"/visits/coverage/?area={a1.code}").content.decode()
    assert grid_row(page, "网格甲")[3] == "99.5%"
    assert grid_row(page, "网格乙")[3] == "66.6%"


def test_a_grid_without_households_has_no_rate(world):
    """A grid drawn before its households were registered read 0%, as if nobody had been
    visited; there is nothing to divide by."""
    a1 = world.areas["A1"]
    empty = create_area(code=f"{a1.code}777", name="新划网格", kind=AreaKind.GRID, parent=a1)
    client = client_for(world.secretary_zhang)
    page = client.get(f"/visits/coverage/?area={a1.code}").content.decode()
    assert grid_row(page, "新划网格")[1:4] == ["0", "0", "—"]
    month = f"{timezone.localdate():%Y%m}"
    body = client.get(f"/api/v1/visits/coverage?area={a1.code}&month={month}").json()
    rates = {g["code"]: g["rate"] for g in body["grids"]}
    assert rates[empty.code] is None
    assert all(isinstance(r, float) for code, r in rates.items() if code != empty.code)


def test_a_month_that_is_not_one_is_named_not_replaced_by_this_month(world):
    """A bookmarked or edited link with month=2026-13 showed this month's figures, titled
    as this month, without a word: read as the month asked for."""
    a1 = world.areas["A1"]
    client = client_for(world.secretary_zhang)
    r = client.get(f"/visits/coverage/?area={a1.code}&month=2026-13")
    page = r.content.decode()
    assert r.status_code == 400
    assert "月份“2026-13”不存在：月份须在 1 到 12 月之间" in page
    assert 'value="2026-13"' in page  # what was typed stays in the box beside the message
    ok = client.get(f"/visits/coverage/?area={a1.code}&month=2026-10")
    assert ok.status_code == 200 and "2026年10月" in ok.content.decode()
