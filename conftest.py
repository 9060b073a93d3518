"""Shared fixtures: the personas world and the demo, each built once per test session
and committed, so tests (each in its own rolled-back transaction) read them for free."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from shequ.access import triggers
from shequ.points import triggers as ledger_triggers

# The triggers the migrations installed, seen before the session drops them.
MIGRATED_TRIGGERS: set[str] = set()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    # Tests share committed fixtures and a live server; the append-only triggers are
    # dropped for the session and re-created inside the test that checks them.
    with django_db_blocker.unblock():
        MIGRATED_TRIGGERS.update(ledger_triggers.installed(connection))
        triggers.drop(connection)
        ledger_triggers.drop(connection)
    return django_db_setup


@pytest.fixture(scope="session")
def world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    from shequ.testing.world import build_world

    with django_db_blocker.unblock():
        return build_world()


@pytest.fixture(scope="session")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    from shequ.demo.generator import load

    with django_db_blocker.unblock():
        return load()


@pytest.fixture(scope="session")
def live_url(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """A live server for browser tests. Unlike pytest-django's live_server it does not
    flush the database afterwards, so the committed demo and world stay for other tests.
    With SQLite's in-memory test database the server thread shares this connection, and
    then it serves one request at a time: two requests in two threads on one connection
    interleave their transactions (a page's photos loading while the user logs out ended
    in "no such savepoint" and a logout that failed)."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connections
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    class OneAtATime(WSGIServer):
        # The thread applies the shared connection itself (LiveServerThread.run); each
        # request is answered with "Connection: close", so a browser's parallel requests
        # queue instead of waiting on a kept-alive connection.
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    class SerialLiveServerThread(LiveServerThread):
        server_class = OneAtATime

    with django_db_blocker.unblock():
        overrides = {}
        for conn in connections.all():
            if conn.vendor == "sqlite" and conn.is_in_memory_db():
                conn.inc_thread_sharing()
                overrides[conn.alias] = conn
        server = SerialLiveServerThread if overrides else LiveServerThread
        thread = server("127.0.0.1", _StaticFilesHandler, connections_override=overrides, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        for conn in overrides.values():
            conn.dec_thread_sharing()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    import os
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("SHEQU_REQUIRE_BROWSER"):
            pytest.fail("Debian's chromium is required (apt-get install chromium fonts-wqy-microhei)")
        pytest.skip("chromium is not installed; .ci/run installs it")
    return path


@pytest.fixture
def migrated_triggers(django_db_setup: Any) -> set[str]:
    """Names of the database triggers the migrations created for the test database."""
    return set(MIGRATED_TRIGGERS)
