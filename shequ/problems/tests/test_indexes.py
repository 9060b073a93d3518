"""Every report writes every index of the tables it inserts into (decision 0004): none of
them may repeat the start of another, and the optional links' partial indexes must still
serve a lookup by value."""

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
