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
    # Task list and points (issue 4).
    from shequ.core.tests.test_authorization_matrix import _task_claim_order

    task, claim, order, _item = _task_claim_order(world, "A1-1")
    urls += [
        "/tasks/",
        "/tasks/mine/",
        "/tasks/queue/",
        "/tasks/monthly/",
        "/tasks/resources/",
        "/tasks/resources/?tab=team",
        "/tasks/resources/?tab=talent",
        "/tasks/new/",
        f"/tasks/{task.pk}/",
        f"/tasks/claims/{claim.pk}/",
        "/points/",
        "/points/store/",
        "/points/orders/",
        f"/points/orders/{order.pk}/",
        "/points/fulfil/",
        "/points/catalogue/",
        "/points/service/",
        "/points/rankings/",
        f"/points/notice/{world.areas['A1'].code}/",
        "/api/v1/tasks/",
        f"/api/v1/tasks/{task.pk}",
        "/api/v1/claims/",
        "/api/v1/claims/?queue=true",
        f"/api/v1/claims/{claim.pk}",
        "/api/v1/resources/units/",
        "/api/v1/resources/talents/",
        "/api/v1/points/balance",
        "/api/v1/points/entries",
        "/api/v1/store/items/",
        "/api/v1/store/orders/",
        "/api/v1/store/orders/?fulfil=true",
        f"/api/v1/store/orders/{order.pk}",
        f"/api/v1/points/rankings?community={world.areas['A1'].code}",
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
