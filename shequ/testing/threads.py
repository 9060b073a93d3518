"""Running test code the way a request runs: in its own thread and database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def in_own_connection(fn: Callable[[], Any]) -> dict[str, Any]:
    """Run ``fn`` in a thread with its own connection, outside the test's transaction (as a
    request is): ``{"value": …}`` with what it returned, or ``{"error": …}`` with what it
    raised."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return out
