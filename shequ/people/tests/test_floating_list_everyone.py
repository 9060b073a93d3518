"""The 流动人口 list, its API and its export hold every resident registered as 流动人口
whose 离开日期 has not passed, with or without a FloatingProfile; the area card counts
the same residents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.people import selectors, services
from shequ.people.models import Resident
from shequ.people.services import FloatingInput
from shequ.people.tests.helpers import grid_floating
from shequ.reports.selectors import totals
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_floating_residents_without_a_profile_are_listed_to_be_filled_in(world):
    # Given floating residents registered (as registration and the import do) without a profile
    residents = grid_floating(world)
    li = world.grid_worker_li
    grid = world.areas["A1-1"]
    services.set_floating(li, residents[0].pk, FloatingInput(origin="贵州省麻江县"))
    ids = {r.pk for r in residents}
    # Then the selector, the page and the API list every one of them
    assert ids <= {p.resident_id for p in selectors.floating_list(li, area_path=grid.path)}
    c = client_for(li)
    page = c.get("/floating/", {"area": grid.code}).content.decode()
    for r in residents:
        assert f"/residents/{r.pk}/" in page
    assert "待补登记" in page and f"/residents/{residents[1].pk}/floating/" in page
    body = c.get("/api/v1/floating/", {"area": grid.code}).json()
    rows = {row["resident"]["id"]: row for row in body["items"]}
    assert ids <= set(rows)
    assert rows[residents[0].pk]["registered"] is True
    assert rows[residents[0].pk]["origin"] == "贵州省麻江县"
    assert rows[residents[1].pk]["registered"] is False
    # And the card counts the same residents as the list
    listed = list(selectors.floating_list(li, area_path=grid.path))
    assert totals(grid).floating == len(listed)


def test_the_floating_page_costs_no_query_per_row(world):
    residents = grid_floating(world)
    grid = world.areas["A1-1"]
    c = client_for(world.grid_worker_li)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/floating/", {"area": grid.code}).status_code == 200
        return len(ctx.captured_queries)

    Resident.objects.filter(pk__in=[r.pk for r in residents[2:]]).update(residence_type="registered")
    few = queries()
    Resident.objects.filter(pk__in=[r.pk for r in residents]).update(residence_type="floating")
    assert len(residents) > 2
    assert queries() == few
