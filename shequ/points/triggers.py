"""Database triggers that make the points ledger append-only: UPDATE and DELETE (and on
PostgreSQL, TRUNCATE) of transactions and entries are refused by the database itself.
A mistake is corrected by a reversing transaction, never by editing a row."""

from __future__ import annotations

from typing import Any

TABLES = ("points_transaction", "points_entry")


def _create(table: str) -> dict[str, list[str]]:
    message = f"points ledger ({table}) is append-only"
    return {
        "sqlite": [
            f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END""",
            f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END""",
        ],
        "postgresql": [
            f"""CREATE OR REPLACE FUNCTION {table}_refuse() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_refuse()""",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()""",
        ],
    }


def _drop(table: str) -> dict[str, list[str]]:
    return {
        "sqlite": [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"],
        "postgresql": [
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ],
    }


def _run(connection: Any, build: Any) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            for sql in build(table).get(connection.vendor, []):
                cursor.execute(sql)


def create(connection: Any) -> None:
    _run(connection, _create)


def drop(connection: Any) -> None:
    _run(connection, _drop)


def installed(connection: Any) -> set[str]:
    """Names of the user triggers the database holds (sqlite_master / pg_trigger)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def expected(vendor: str) -> set[str]:
    """The ledger trigger names ``create`` makes on this database."""
    suffixes = ("_no_update", "_no_delete") if vendor == "sqlite" else ("_no_change", "_no_truncate")
    return {table + suffix for table in TABLES for suffix in suffixes}
