"""The dashboard and the area page count an area's children in a constant number of
queries, and the rows are those that one range count per child gives."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.access.roles import Role
from shequ.access.services import add_user
from shequ.areas.models import AreaKind
from shequ.areas.paths import upper_bound
from shequ.areas.services import create_area
from shequ.people.services import register_household
from shequ.reports.selectors import ELDERLY_AGE, birth_cutoff, compute, count_range
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def add_buildings(grid, first, last):
    for i in range(first, last + 1):
        building = create_area(
            code=f"{grid.code}{i:03d}", name=f"探针{i}号楼", kind=AreaKind.BUILDING, parent=grid
        )
        register_household(building=building, address="1单元101")


def test_dashboard_and_area_page_queries_do_not_grow_with_child_areas(world):
    # Given a grid worker on a grid of their own, with a few buildings
    grid = create_area(
        code=world.areas["A1"].code + "901", name="探针网格", kind="grid", parent=world.areas["A1"]
    )
    worker = add_user("probe-gw", PASSWORD, role=Role.GRID_WORKER, area_code=grid.code, check_password=False)
    client = Client()
    client.force_login(worker)
    urls = ["/", f"/areas/{grid.code}/"]
    add_buildings(grid, 1, 3)
    few = [queries(client, url) for url in urls]
    # When the grid has nine times as many
    add_buildings(grid, 4, 27)
    many = [queries(client, url) for url in urls]
    # Then both pages cost the same number of queries (they took 8 more a building)
    assert many == few


def test_rows_and_total_match_one_range_count_per_child(world):
    cutoff = birth_cutoff(ELDERLY_AGE)
    for key in ("A", "A1", "A1-1"):
        area = world.areas[key]
        table = compute(area)
        assert table.total == count_range(area.path, upper_bound(area.path), cutoff), key
        assert [a.pk for a, _ in table.rows] == list(
            area.children.order_by("path").values_list("pk", flat=True)
        )
        for child, stats in table.rows:
            assert stats == count_range(child.path, upper_bound(child.path), cutoff), child.code
        assert sum(s.residents for _, s in table.rows) == table.total.residents > 0
    # The community itself is in its total and in none of its grids' rows.
    table = compute(world.areas["A1"])
    assert table.total.communities == 1
    assert sum(s.communities for _, s in table.rows) == 0
