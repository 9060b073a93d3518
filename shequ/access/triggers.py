"""Database triggers that make the audit table append-only: UPDATE and DELETE (and on
PostgreSQL, TRUNCATE) are refused by the database itself, whatever the code does."""

from __future__ import annotations

from typing import Any

CREATE = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS access_auditevent_no_update
           BEFORE UPDATE ON access_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS access_auditevent_no_delete
           BEFORE DELETE ON access_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION access_auditevent_refuse() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql""",
        "DROP TRIGGER IF EXISTS access_auditevent_no_change ON access_auditevent",
        """CREATE TRIGGER access_auditevent_no_change BEFORE UPDATE OR DELETE
           ON access_auditevent FOR EACH ROW EXECUTE FUNCTION access_auditevent_refuse()""",
        "DROP TRIGGER IF EXISTS access_auditevent_no_truncate ON access_auditevent",
        """CREATE TRIGGER access_auditevent_no_truncate BEFORE TRUNCATE
           ON access_auditevent FOR EACH STATEMENT EXECUTE FUNCTION access_auditevent_refuse()""",
    ],
}
DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS access_auditevent_no_update",
        "DROP TRIGGER IF EXISTS access_auditevent_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS access_auditevent_no_change ON access_auditevent",
        "DROP TRIGGER IF EXISTS access_auditevent_no_truncate ON access_auditevent",
    ],
}


def _run(connection: Any, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def create(connection: Any) -> None:
    _run(connection, CREATE)


def drop(connection: Any) -> None:
    _run(connection, DROP)
