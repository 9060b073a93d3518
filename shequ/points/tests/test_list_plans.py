"""The staff lists of transactions and orders walk an index newest first and stop after
a page, instead of collecting and sorting a street's rows (docs/performance.md,
2026-11-24)."""

from typing import Any

import pytest
from django.db import connection

from shequ.points import selectors

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL picks by statistics an empty table lacks"
)


def _plan(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@sqlite_only
@pytest.mark.parametrize("who", ["street_chen", "secretary_zhang"])
def test_the_reversals_page_walks_the_transactions_newest_first(world, who):
    plan = _plan(selectors.reversible(getattr(world, who))[30:60])
    assert "txn_reversible_idx" in plan and "TEMP B-TREE" not in plan, plan


@sqlite_only
def test_a_redemption_writes_no_entry_in_the_reversals_index():
    """Decision 0007: every index a redemption's rows enter is written on every order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'txn_reversible_idx'")
        (sql,) = cursor.fetchone()
    assert sql.endswith('WHERE "order_id" IS NULL'), sql


@sqlite_only
@pytest.mark.parametrize("who", ["street_chen", "secretary_zhang"])
@pytest.mark.parametrize("status", ["placed", "delivered", "cancelled"])
def test_a_fulfilment_tab_walks_its_status_newest_first(world, who, status):
    viewer = getattr(world, who)
    plan = _plan(selectors.orders_to_fulfil(viewer, status)[30:60])
    assert "order_fulfil_idx (status=?)" in plan and "TEMP B-TREE" not in plan, plan
    # The tab's count reads the index alone (the path is its last column).
    counted = _plan(selectors.orders_to_fulfil(viewer, status).order_by().values("pk")[:10001])
    assert "COVERING INDEX order_fulfil_idx (status=?)" in counted, counted


@sqlite_only
def test_every_status_reads_the_index_not_every_order(world):
    plan = _plan(selectors.orders_to_fulfil(world.street_chen)[:50])
    assert "order_fulfil_idx" in plan and "SCAN points_order" not in plan, plan


@sqlite_only
def test_the_reversals_count_reads_the_table_not_the_walks_index(world):
    from shequ.core.pagination import CappedPaginator

    page = CappedPaginator(selectors.reversible(world.secretary_zhang), 30)
    source = page.object_list.count_source.order_by().values("pk")[:10001]  # type: ignore[attr-defined]
    assert "txn_reversible_idx" not in _plan(source)
    assert page.count == selectors.reversible(world.secretary_zhang).count()
