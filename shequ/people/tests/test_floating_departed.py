"""A floating resident whose 离开日期 has come is no longer 流动人口 in the area: off
the 流动人口 list, its API and the area card alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.people import selectors, services
from shequ.people.services import FloatingInput
from shequ.people.tests.helpers import grid_floating
from shequ.reports.selectors import compute, totals
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_departed_floating_resident_is_off_the_list_and_the_card(world):
    residents = grid_floating(world)
    li = world.grid_worker_li
    grid = world.areas["A1-1"]
    today = timezone.localdate()
    before = totals(grid).floating
    table_before = compute(world.areas["A1"])
    gone, leaving = residents[0], residents[1]
    services.set_floating(li, gone.pk, FloatingInput(left_on=today))
    services.set_floating(li, leaving.pk, FloatingInput(left_on=today + timedelta(days=5)))
    listed = {p.resident_id for p in selectors.floating_list(li, area_path=grid.path)}
    assert gone.pk not in listed and leaving.pk in listed
    body = client_for(li).get("/api/v1/floating/", {"area": grid.code}).json()
    assert gone.pk not in {row["resident"]["id"] for row in body["items"]}
    # The card (the area's total and its row on the community's table) counts one fewer
    assert totals(grid).floating == before - 1 == len(listed)
    table = compute(world.areas["A1"])
    assert table.total.floating == table_before.total.floating - 1
    row = {kid.code: stats for kid, stats in table.rows}[grid.code]
    assert row.floating == before - 1


def test_a_departed_tenant_is_off_the_landlords_roster(world):
    tenant, landlord, stayer, *_ = grid_floating(world)
    li = world.grid_worker_li
    today = timezone.localdate()
    services.set_floating(li, tenant.pk, FloatingInput(landlord_id=landlord.pk, left_on=today))
    services.set_floating(li, stayer.pk, FloatingInput(landlord_id=landlord.pk))
    roster = {row[0].pk: [t.resident_id for t in row[1]] for row in selectors.landlords(li)}
    assert roster[landlord.pk] == [stayer.pk]
    c = client_for(li)
    page = c.get("/floating/landlords/").content.decode()
    assert f"/residents/{stayer.pk}/" in page and f"/residents/{tenant.pk}/" not in page
    body = c.get("/api/v1/floating/landlords").json()
    row = next(r for r in body["items"] if r["landlord"]["id"] == landlord.pk)
    assert [t["resident"]["id"] for t in row["tenants"]] == [stayer.pk]


def test_those_who_left_are_found_on_the_left_list(world):
    """Off the list and the count, a departed tenant was found only by searching for
    their name: a date typed wrong could not be seen, nor who left this month."""
    gone, stayer, *_ = grid_floating(world)
    li = world.grid_worker_li
    grid = world.areas["A1-1"]
    today = timezone.localdate()
    services.set_floating(li, gone.pk, FloatingInput(left_on=today - timedelta(days=3)))
    c = client_for(li)
    page = c.get("/floating/", {"list": "left", "area": grid.code}).content.decode()
    assert f"/residents/{gone.pk}/" in page and f"/residents/{stayer.pk}/" not in page
    assert "离开日期" in page and (today - timedelta(days=3)).isoformat() in page
    body = c.get("/api/v1/floating/", {"area": grid.code, "left": "true"}).json()
    assert [row["resident"]["id"] for row in body["items"]] == [gone.pk]
    r = c.get("/api/v1/floating/", {"left": "true", "expiring": "permit"})
    assert r.status_code == 400 and "left" in r.json()["fields"]
    r = c.get("/floating/export/", {"list": "left", "area": grid.code})
    assert r.status_code == 200
