"""A 12345 order's number typed with a Chinese input method (full-width digits) or in
groups with spaces was taken for another order: the same order was entered twice and
counted twice in the 接诉即办 ledger and the monthly report."""

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _enter(client, world, number):
    lon, lat = grid_point(world)
    return client.post(
        "/problems/new/",
        {
            "category": "blocked_drain",
            "description": "12345转来：楼道下水管堵塞",
            "source": "hotline",
            "hotline_order_no": number,
            "lon": lon,
            "lat": lat,
        },
    )


@pytest.mark.parametrize("again", ["８８０２６１１２４", "8802 6112 4", " 880261124　"])
def test_an_order_number_typed_full_width_or_spaced_is_the_same_order(world, again):
    staff = client_for(world.users["community_staff@A1"])
    # Given: the order entered once.
    assert _enter(staff, world, "880261124").status_code == 302
    # When: it is entered again, typed otherwise.
    r = _enter(staff, world, again)
    # Then: refused as already entered, what was typed kept, and one problem holds it.
    assert r.status_code == 400
    page = r.content.decode()
    assert "工单号 880261124 已录入为问题" in page
    assert "12345转来：楼道下水管堵塞" in page
    assert Problem.objects.filter(hotline_order_no__in=["880261124", again, again.strip()]).count() == 1


def test_an_order_number_typed_full_width_is_kept_as_digits(world):
    staff = client_for(world.users["community_staff@A1"])
    r = _enter(staff, world, "ＧＤ－２０２６ ００４３")
    assert r.status_code == 302
    problem = Problem.objects.get(pk=int(r["Location"].strip("/").split("/")[-1]))
    assert problem.hotline_order_no == "GD-20260043"
