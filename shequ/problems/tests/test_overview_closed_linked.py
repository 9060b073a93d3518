"""The overview's 已结案 figure was the one number on the page that led nowhere (its hint
says 点数字查看对应的问题, and docs/problems.md has every figure linked): a street office
asking which of a community's problems were closed had to pick 已结案 and then 已评价 on
the board and add them up. It now leads to the board's 只看已结案 (closed=1): 已结案 and
已评价, as the overview counts them, and the API takes closed=true alike."""

import pytest

from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(world):
    rows = [report(world, world.user("resident@A1-1-h1"), key="A1-1") for _ in range(3)]
    closed, evaluated, in_hand = rows
    Problem.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    Problem.objects.filter(pk=evaluated.pk).update(status=Status.EVALUATED)
    Problem.objects.filter(pk=in_hand.pk).update(status=Status.IN_PROGRESS)
    return closed, evaluated, in_hand


def test_the_closed_figure_leads_to_the_closed_and_evaluated_problems(world, made):
    closed, evaluated, in_hand = made
    street = client_for(world.street_chen)
    a1 = world.areas["A1"].code
    page = street.get("/problems/overview/").content.decode()
    link = f"/problems/?area={a1}&closed=1"
    assert link in page
    board = street.get(f"/problems/?area={a1}&closed=1")
    assert board.status_code == 200
    listed = board.content.decode()
    assert closed.number in listed and evaluated.number in listed
    assert in_hand.number not in listed
    # The box stays ticked, so the next filter keeps it.
    assert 'name="closed" value="1" checked' in listed


def test_the_api_lists_the_closed_ones_alike(world, made):
    closed, evaluated, in_hand = made
    r = client_for(world.street_chen).get(
        "/api/v1/problems/", {"area": world.areas["A1-1"].code, "closed": "true"}
    )
    assert r.status_code == 200
    ids = {p["id"] for p in r.json()["items"]}
    assert {closed.pk, evaluated.pk} <= ids and in_hand.pk not in ids
    assert {p["status"] for p in r.json()["items"]} <= {Status.CLOSED, Status.EVALUATED}
