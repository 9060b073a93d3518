"""The first page after signing in, for those who see no statistics."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_building_head_lands_on_the_building_not_a_neighbours_household(world):
    """A building head was sent to the first household of the building (a neighbour's
    members, ages and masked numbers) as if it were their own home."""
    building = world.areas["A1-1-b"]
    r = signed_in(world.users["building_head@A1-1-b"]).get("/")
    assert r.status_code == 200
    assert f'href="/areas/{building.code}/"' in r.content.decode()


def test_a_resident_still_lands_on_their_own_household(world):
    r = signed_in(world.users["resident@A1-1-h2"]).get("/")
    assert r.status_code == 302
    assert r["Location"] == f"/households/{world.households['A1-1-h2'].pk}/"


def test_a_partner_units_login_lands_on_a_way_to_its_tasks(world):
    """A unit's member signing in on a phone landed on 欢迎 and the community's name: the
    tasks aimed at their unit were only in the menu."""
    page = signed_in(world.users["partner_unit@A1"]).get("/").content.decode()
    assert 'id="claim-start"' in page and 'class="button" href="/tasks/"' in page
    # A building head, who claims nothing, is not sent there.
    page = signed_in(world.users["building_head@A1-1-b"]).get("/").content.decode()
    assert 'id="claim-start"' not in page
