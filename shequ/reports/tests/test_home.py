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
