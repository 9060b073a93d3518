"""The landlords' roster is paged by landlord in the database: a page loads its own
landlords' tenants only, and the pages together are the whole roster, 辖区外 last."""

from typing import Any, cast

import pytest
from django.test import Client

from shequ.core.pagination import CappedPaginator
from shequ.people import selectors, services
from shequ.people.models import Resident
from shequ.people.services import FloatingInput

pytestmark = pytest.mark.django_db

# tenant → landlord; A1-1's worker sees A1-2-h1-r1 only as 辖区外.
LEASES = {
    "A1-1-h1-r2": "A1-1-h1-r1",
    "A1-1-h2-r2": "A1-2-h1-r1",
    "A1-2-h1-r2": "A1-2-h1-r1",
    "A1-2-h2-r2": "A1-1-h2-r1",
}


def lease(world):
    r = world.residents
    Resident.objects.filter(pk__in=[r[k].pk for k in LEASES]).update(residence_type="floating")
    for tenant, landlord in LEASES.items():
        services.set_floating(world.secretary_zhang, r[tenant].pk, FloatingInput(landlord_id=r[landlord].pk))


def shown(rows):
    return [(landlord.name, landlord.pk, [t.resident_id for t in tenants]) for landlord, tenants in rows]


def paged(viewer, per_page):
    paginator = CappedPaginator(cast(Any, selectors.LandlordRoster(viewer)), per_page)
    return [
        [
            (row.landlord.name, row.landlord.pk, [t.resident_id for t in row.tenants])
            for row in page.object_list
        ]
        for page in (paginator.page(n) for n in paginator.page_range)
    ]


def test_pages_of_landlords_make_up_the_whole_roster(world):
    lease(world)
    r = world.residents
    zhang, li = world.secretary_zhang, world.grid_worker_li
    everyone = shown(selectors.landlords(zhang))
    assert [pk for _, pk, _ in everyone] == [r["A1-1-h1-r1"].pk, r["A1-1-h2-r1"].pk, r["A1-2-h1-r1"].pk]
    assert paged(zhang, 2) == [everyone[:2], everyone[2:]]
    assert paged(zhang, 50) == [everyone]
    # The grid worker: one landlord of theirs, then the stand-in for the one outside.
    theirs = shown(selectors.landlords(li))
    assert theirs == [
        (r["A1-1-h1-r1"].name, r["A1-1-h1-r1"].pk, [r["A1-1-h1-r2"].pk]),
        ("辖区外", None, [r["A1-1-h2-r2"].pk]),
    ]
    assert paged(li, 1) == [theirs[:1], theirs[1:]]
    assert paged(li, 50) == [theirs]


def test_roster_page_and_api_are_paged(world):
    lease(world)
    li = Client()
    li.force_login(world.grid_worker_li)
    body = li.get("/api/v1/floating/landlords").json()
    assert body["count"] == 2 and body["count_exact"] is True
    assert [item["landlord"]["name"] for item in body["items"]] == [
        world.residents["A1-1-h1-r1"].name,
        "辖区外",
    ]
    assert body["items"][1]["phone"] == "" and body["items"][1]["landlord"]["id"] is None
    assert li.get("/api/v1/floating/landlords?page=2").json()["items"] == []
    page = li.get("/floating/landlords/").content.decode()
    assert "共 2 条" in page and "辖区外" in page and world.residents["A1-2-h1-r1"].name not in page
