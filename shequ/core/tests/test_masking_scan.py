"""Fetch every page and API response a role can reach and look for any full ID number or
phone of the world's residents: none may appear without an explicit unmask."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def reachable_urls(world):
    from shequ.problems.tests.helpers import jpeg, report

    problem = report(world, photos=[jpeg()])
    urls = [
        "/",
        "/residents/",
        "/audit/",
        "/api/v1/areas/",
        "/api/v1/residents/",
        "/api/v1/openapi.json",
        "/problems/",
        "/problems/mine/",
        "/problems/inbox/",
        "/problems/map/",
        "/problems/new/",
        "/api/v1/problems/",
        f"/problems/{problem.pk}/",
        f"/api/v1/problems/{problem.pk}",
        "/notifications/",
    ]
    for area in world.areas.values():
        urls += [
            f"/areas/{area.code}/",
            f"/residents/?area={area.code}",
            f"/api/v1/areas/{area.code}",
            f"/api/v1/areas/{area.code}/stats",
            f"/api/v1/residents/?area={area.code}",
        ]
    for resident in world.residents.values():
        urls += [f"/residents/{resident.pk}/", f"/api/v1/residents/{resident.pk}"]
    for household in world.households.values():
        urls.append(f"/households/{household.pk}/")
    # Searching by a full value must not echo other residents' values either.
    some = next(iter(world.full_values.values()))
    urls += [f"/residents/?q={some[0]}", f"/api/v1/residents/?q={some[1]}"]
    return urls


@pytest.mark.parametrize(
    "user_key",
    [
        "street_admin@A",
        "community_secretary@A1",
        "community_staff@A2",
        "grid_worker@A1-1",
        "building_head@A1-1-b",
        "resident@A1-1-h1",
        "partner_unit@B1",
        "auditor@B",
    ],
)
def test_no_full_id_number_or_phone_in_any_response(world, user_key):
    client = Client()
    client.force_login(world.users[user_key])
    secrets = {v for pair in world.full_values.values() for v in pair}
    search_term = next(iter(world.full_values.values()))
    seen = 0
    for url in reachable_urls(world):
        response = client.get(url)
        body = response.content.decode()
        if response.status_code == 200:
            seen += 1
        leaked = {s for s in secrets if s in body and s not in search_term}
        # A search box echoes what the user typed; anything else is a leak.
        assert not leaked, (url, leaked)
    assert seen >= 5
