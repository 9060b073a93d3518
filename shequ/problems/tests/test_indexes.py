"""Every report writes every index of the tables it inserts into (decision 0004): none of
them may repeat the start of another, and the optional links' partial indexes must still
serve a lookup by value. A status-filtered count must seek the status-first index."""

from typing import Any

import pytest
from django.db import connection

from shequ.problems.models import Problem

pytestmark = pytest.mark.django_db

HOT_TABLES = [
    "problems_problem",
    "problems_problemevent",
    "notifications_notification",
    "access_auditevent",
]


def test_no_index_of_a_report_table_is_the_start_of_another():
    with connection.cursor() as cursor:
        for table in HOT_TABLES:
            found = connection.introspection.get_constraints(cursor, table)
            indexes = [
                (name, tuple(c["columns"]))
                for name, c in found.items()
                if c["index"] and not c["primary_key"] and c["columns"]
            ]
            for name, columns in indexes:
                longer = [
                    other
                    for other, cols in indexes
                    if len(cols) > len(columns) and cols[: len(columns)] == columns
                ]
                assert not longer, f"{table}: {name} {columns} is the start of {longer}"


@pytest.mark.parametrize("field", ["on_behalf_of", "responsible_area", "assignee", "merged_into"])
def test_a_lookup_by_an_optional_link_uses_its_partial_index(field):
    sql, params = Problem.objects.filter(**{f"{field}_id": 5}).values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table is read whole otherwise
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert f"problem_{field}_idx" in plan, plan


# SQLite's statistics for the two indexes at a million problems in one street
# (``bench/problems.py`` after ANALYZE): without them a test table is too small for the
# planner to choose as it does at scale.
MILLION = {"problem_status_idx": "1000000 5000 625 1", "problem_overdue_idx": "1000000 125000 1 1"}


@pytest.fixture
def street_scale_statistics():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE problems_problem")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'problems_problem'")
        for index, stat in MILLION.items():
            cursor.execute("INSERT INTO sqlite_stat1 VALUES ('problems_problem', %s, %s)", [index, stat])
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads them again
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'problems_problem'")
        cursor.execute("ANALYZE sqlite_schema")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's planner picks this index itself")
@pytest.mark.parametrize("filters", [{"status": "dispatched"}, {"overdue": True}, {"open_only": True}])
def test_sqlite_counts_by_status_from_the_status_first_index(world, street_scale_statistics, filters):
    """A street's count filtered by status seeks that status in ``problem_overdue_idx`` and
    stops at the cap; on the path range it read every entry of the street."""
    from shequ.core.pagination import COUNT_CAP
    from shequ.problems.selectors import Filters, problem_list

    page: Any = problem_list(world.street_chen, Filters(**filters))
    counted = page.count_source
    sql, params = counted.order_by()[: COUNT_CAP + 1].values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "problem_overdue_idx" in plan and "problem_status_idx" not in plan, plan
