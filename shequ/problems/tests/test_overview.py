from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def rows_of(response):
    return {
        (r.area.code if r.area else None): (r.open, r.overdue, r.closed) for r in response.context["rows"]
    }


@pytest.fixture
def problems(world):
    made = [
        report(world, world.user(f"resident@{k[:2]}-1-h1"), key=k) for k in ("A1-1", "A1-1", "A1-2", "A2-1")
    ]
    late, done, triage = made[0], made[1], made[2]
    Problem.objects.filter(pk=late.pk).update(
        status=Status.DISPATCHED, due_at=timezone.now() - timedelta(hours=1)
    )
    Problem.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    # Outside every grid: left with the community's triage, on the community itself.
    a1 = world.areas["A1"]
    Problem.objects.filter(pk=triage.pk).update(area=a1, area_path=a1.path)
    return made


def test_street_sees_one_row_per_community_adding_up_to_the_total(world, problems):
    r = client_for(world.street_chen).get("/problems/overview/")
    assert r.status_code == 200
    a1, a2 = world.areas["A1"].code, world.areas["A2"].code
    rows = rows_of(r)
    assert (rows.pop(a1), rows.pop(a2)) == ((2, 1, 1), (1, 0, 0))
    assert rows and set(rows.values()) == {(0, 0, 0)}  # the street's other communities
    total = r.context["total"]
    assert (total.open, total.overdue, total.closed) == (3, 1, 1)
    page = r.content.decode()
    # The overdue figure leads to the board, filtered to those problems.
    assert f"/problems/?area={a1}&overdue=1" in page


def test_community_rows_are_grids_and_the_triage_has_its_own_row(world, problems):
    a1 = world.areas["A1"]
    r = client_for(world.street_chen).get(f"/problems/overview/?area={a1.code}")
    grids = {code: counts for code, counts in rows_of(r).items() if code}
    assert grids == {world.areas["A1-1"].code: (1, 1, 1), world.areas["A1-2"].code: (0, 0, 0)}
    assert rows_of(r)[None] == (1, 0, 0)
    assert "直接归属" in r.content.decode()
    # The secretary's overview opens on their community.
    mine = client_for(world.secretary_zhang).get("/problems/overview/")
    assert mine.context["area"] == a1 and rows_of(mine) == rows_of(r)
    # Up to the street only for who sees the street.
    assert r.context["up"] == world.areas["A"] and mine.context["up"] is None


def test_only_who_sees_the_whole_area_gets_its_overview(world, problems):
    street = world.areas["A"].code
    # The secretary sees one community of the street: its figures are not the street's.
    assert client_for(world.secretary_zhang).get(f"/problems/overview/?area={street}").status_code == 404
    assert client_for(world.outsider_zhao).get(f"/problems/overview/?area={street}").status_code == 404
    resident = client_for(world.resident_wang).get("/problems/overview/")
    assert resident.status_code == 302 and resident["Location"] == "/problems/mine/"


def test_the_open_figure_leads_to_the_open_problems_only(world, problems):
    """在办 2 for a community led to its board unfiltered, listing its closed problems too."""
    a1 = world.areas["A1"].code
    page = client_for(world.street_chen).get("/problems/overview/").content.decode()
    assert f"/problems/?area={a1}&open=1" in page
    # Each status figure leads to the problems in that status.
    assert f"/problems/?area={a1}&status=dispatched" in page
    board = client_for(world.street_chen).get(f"/problems/?area={a1}&open=1")
    listed = {p.pk for p in board.context["page"]}
    late, done, triage = problems[0], problems[1], problems[2]
    assert listed == {late.pk, triage.pk} and done.pk not in listed
    assert board.context["page"].paginator.count == 2
    # The API takes the same filter.
    api = client_for(world.street_chen).get(f"/api/v1/problems/?area={a1}&open=true")
    assert {p["id"] for p in api.json()["items"]} == {late.pk, triage.pk}
