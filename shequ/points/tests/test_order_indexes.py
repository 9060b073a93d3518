"""The per-person limit is counted from an index bounded by the period's dates."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from shequ.points import services

pytestmark = pytest.mark.django_db


def test_the_limit_count_has_an_index_bounded_by_the_periods_dates():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "points_order")
    assert found["order_limit_period_idx"]["columns"] == ["user_id", "item_id", "created_at"]
    # The order's own user index would only repeat its start.
    assert not [
        name for name, c in found.items() if c["index"] and c["columns"] == ["user_id"] and not c["unique"]
    ]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL picks by statistics an empty table lacks"
)
def test_sqlite_reads_the_buyers_orders_of_the_period_as_a_range_of_that_index():
    since, until = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {services._TAKEN}", [1, 2, since, until])
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "order_limit_period_idx" in plan and "created_at>" in plan and "created_at<" in plan, plan
