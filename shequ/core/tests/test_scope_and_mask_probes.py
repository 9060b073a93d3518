"""Scopes and masks the authorization matrix and the masking scan did not reach: each
test fails under a one-line change of the code it names."""

import pytest

from shequ.points import services as points
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_landlord_roster_api_never_shows_a_full_phone(world):
    from shequ.core.tests.test_masking_scan import _visit_and_floating

    _visit_and_floating(world)  # landlord: resident A1-1-h1-r1
    landlord = world.residents["A1-1-h1-r1"]
    body = client_for(world.grid_worker_li).get("/api/v1/floating/landlords").content.decode()
    assert landlord.phone_masked in body
    assert world.full_values[landlord.pk][1] not in body


def test_the_reversal_page_lists_only_the_communitys_own_transactions(world):
    points.opening_balance(world.secretary_zhang, world.resident_wang, 30, "审阅探针结转")
    mine = client_for(world.secretary_zhang).get("/points/reversals/").content.decode()
    assert "审阅探针结转" in mine
    other = client_for(world.users["community_secretary@B2"]).get("/points/reversals/").content.decode()
    assert "审阅探针结转" not in other
