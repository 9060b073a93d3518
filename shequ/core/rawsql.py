"""Hand-written statements for the few hot write paths (docs/decisions/0004-hot-path-sql.md).

``run`` executes a list of statements in the caller's transaction and returns, for each,
its row count and the rows it returned. On PostgreSQL the statements travel in one round
trip: Django's psycopg cursor binds parameters on the client side, so one ``execute``
may carry several statements separated by ``;`` and each keeps its own result (and, at
READ COMMITTED, its own snapshot: a statement that follows a lock sees what was committed
while it waited). On SQLite, which runs in-process, they are executed one at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

Statement = tuple[str, Sequence[Any]]
Result = tuple[int, list[tuple[Any, ...]]]


def batched() -> bool:
    """Whether ``run`` sends a list of statements in one round trip (PostgreSQL)."""
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    )


def run(statements: list[Statement]) -> list[Result]:
    """(row count, rows) of each statement, in order."""
    out: list[Result] = []
    with connection.cursor() as cursor:
        if len(statements) > 1 and batched():
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps])
            while True:
                rows = cursor.fetchall() if cursor.description else []
                out.append((cursor.rowcount, rows))
                if not cursor.nextset():
                    break
            if len(out) != len(statements):  # pragma: no cover - a driver that merged results
                raise RuntimeError(f"{len(statements)} statements, {len(out)} results")
            return out
        for sql, params in statements:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
            out.append((cursor.rowcount, rows))
    return out
