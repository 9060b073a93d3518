"""The per-person limit is counted from an index bounded by the period's dates."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from shequ.points import services

pytestmark = pytest.mark.django_db


def test_the_limit_count_reads_the_buyers_orders_of_the_period_from_its_index():
    since, until = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table is read whole otherwise
            cursor.execute(f"EXPLAIN {services._TAKEN}", [1, 2, since, until])
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {services._TAKEN}", [1, 2, since, until])
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "order_limit_period_idx" in plan, plan
    if connection.vendor == "sqlite":  # the dates bound the range, not only a filter after it
        assert "created_at>" in plan and "created_at<" in plan, plan
    else:
        assert "created_at >=" in plan.split("Index Cond:")[1], plan
