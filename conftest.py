"""Shared fixtures: the personas world and the demo, each built once per test session
and committed, so tests (each in its own rolled-back transaction) read them for free."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from shequ.access import triggers


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    # Tests share committed fixtures and a live server; the append-only triggers are
    # dropped for the session and re-created inside the test that checks them.
    with django_db_blocker.unblock():
        triggers.drop(connection)
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
