"""Visit coverage counts every grid and worker of an area in a constant number of queries,
with the figures one count per grid and per worker gave."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import add_user, assign_role
from shequ.areas.models import AreaKind
from shequ.areas.services import create_area
from shequ.people import selectors, services
from shequ.people.models import Visit
from shequ.people.services import VisitInput, register_household
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

START, END = date(2026, 11, 1), date(2026, 11, 30)


def visit(actor, household, day):
    data = VisitInput(visited_on=day, people_met="户主", situation="一家两口，身体尚可")
    return services.record_visit(actor, household.pk, data)


def add_grids(world, first, last):
    """Grids 9xx under A1, each with a building of two households, a worker, and one
    visit by that worker in the month."""
    community = world.areas["A1"]
    for i in range(first, last + 1):
        grid = create_area(
            code=f"{community.code}{900 + i}", name=f"探针网格{i}", kind=AreaKind.GRID, parent=community
        )
        building = create_area(code=f"{grid.code}001", name=f"探针楼{i}", kind=AreaKind.BUILDING, parent=grid)
        homes = [register_household(building=building, address=f"1单元{k}01") for k in (1, 2)]
        worker = add_user(
            f"probe-gw{i}", PASSWORD, role=Role.GRID_WORKER, area_code=grid.code, check_password=False
        )
        visit(worker, homes[0], date(2026, 11, 5))


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def test_coverage_queries_do_not_grow_with_grids_and_workers(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    a1 = world.areas["A1"].code
    urls = [f"/visits/coverage/?area={a1}&month=202611", f"/api/v1/visits/coverage?area={a1}&month=202611"]
    add_grids(world, 1, 1)
    few = [queries(client, url) for url in urls]
    add_grids(world, 2, 10)
    many = [queries(client, url) for url in urls]
    assert many == few  # were 4 more a grid and its worker


def test_coverage_figures_on_a_fixture_counted_by_hand(world):
    # Grids A1-1 and A1-2 have 2 households each. Li works A1-1 and, from now, A1-2 as
    # well (and holds a second role on A1-1, which must not count its households twice).
    # Li visits A1-1-h1 twice and A1-2-h1 once; the A1-2 worker visits A1-2-h1 and A1-2-h2;
    # the secretary visits A1-1-h2; a visit before the month counts for nobody.
    Visit.objects.all().delete()
    # Fresh copies: the shared personas would keep the roles given here in their cache.
    li = User.objects.get(pk=world.grid_worker_li.pk)
    zhang = world.secretary_zhang
    other = world.users["grid_worker@A1-2"]
    assign_role(li, Role.GRID_WORKER, world.areas["A1-2"].code)
    assign_role(li, Role.COMMUNITY_STAFF, world.areas["A1-1"].code)
    h = world.households
    visit(li, h["A1-1-h1"], date(2026, 11, 3))
    visit(li, h["A1-1-h1"], date(2026, 11, 9))
    visit(li, h["A1-2-h1"], date(2026, 11, 10))
    visit(other, h["A1-2-h1"], date(2026, 11, 11))
    visit(other, h["A1-2-h2"], date(2026, 11, 12))
    visit(zhang, h["A1-1-h2"], date(2026, 11, 13))
    visit(other, h["A1-2-h2"], date(2026, 10, 31))
    services.plan_visits(zhang, world.areas["A1-2"].code, "202611", li.pk, 1)

    by_grid, by_worker = selectors.coverage(zhang, world.areas["A1"], START, END)

    grids = {c.code: (c.households, c.visited, c.planned) for c in by_grid}
    assert grids == {world.areas["A1-1"].code: (2, 2, 0), world.areas["A1-2"].code: (2, 2, 1)}
    workers = {c.label: (c.households, c.visited, c.planned) for c in by_worker}
    assert workers == {str(li): (4, 2, 1), str(other): (2, 2, 0)}
