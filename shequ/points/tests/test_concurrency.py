"""16 clients racing for an item with stock S: exactly S orders, the rest refused with
库存不足, no balance below zero; a request repeated under one Idempotency-Key makes one
order. On SQLite the race runs in a child process on a database file (the test database
is in memory and shared, where writers cannot wait for each other); on PostgreSQL it runs
in threads against the test database, on data committed before the test."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from shequ.points import race

ROOT = Path(__file__).resolve().parents[3]
CLIENTS = 16


def sqlite_race(tmp_path, *flags):
    env = {
        **os.environ,
        "SHEQU_ENV": "test",
        "SHEQU_DATABASE_URL": f"sqlite:///{tmp_path}/race.sqlite3",
    }
    proc = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "shequ.points.race", "--clients", str(CLIENTS), "--stock", "5", *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RACE "))
    return json.loads(line[5:])


def test_sqlite_file_16_clients_stock_5_exactly_5_orders(tmp_path):
    result = sqlite_race(tmp_path)
    assert result["errors"] == []
    assert (result["placed"], result["orders"], result["stock"]) == (5, 5, 0)
    assert result["refused"] == {"out_of_stock": CLIENTS - 5}
    assert result["negative_balances"] == 0 and result["unbalanced"] == []


def test_sqlite_file_one_request_from_16_connections_makes_one_order(tmp_path):
    result = sqlite_race(tmp_path, "--one-key")
    assert result["errors"] == [] and result["refused"] == {}
    assert (result["placed"], result["orders"], result["stock"]) == (1, 1, 4)


def test_sqlite_file_one_user_16_orders_only_one_affordable(tmp_path):
    """One person with 10 points sends 16 different orders for a 10-point item (limit 99):
    exactly one order, the other 15 refused for insufficient points, balance 0."""
    result = sqlite_race(tmp_path, "--one-user", "--stock", "99")
    assert result["errors"] == []
    assert (result["placed"], result["orders"], result["stock"]) == (1, 1, 98)
    assert result["refused"] == {"insufficient_points": CLIENTS - 1}
    assert result["first_balance"] == 0 and result["negative_balances"] == 0 and result["unbalanced"] == []


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL race runs when the suite runs on PostgreSQL"
)


@pytest.fixture(scope="module")
def pg_field(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return race.prepare(CLIENTS, 5, limit=1), race.prepare(CLIENTS, 5, limit=1)


@postgres_only
@pytest.mark.django_db
def test_postgresql_16_clients_stock_5_exactly_5_orders(pg_field):
    field, _ = pg_field
    outcome = race.run(field)
    after = race.audit(field)
    assert outcome.errors == []
    assert outcome.placed == 5 and dict(outcome.refused) == {"out_of_stock": CLIENTS - 5}
    assert (after["orders"], after["stock"], after["negative_balances"], after["unbalanced"]) == (5, 0, 0, [])


@postgres_only
@pytest.mark.django_db
def test_postgresql_one_request_from_16_connections_makes_one_order(pg_field):
    _, field = pg_field
    outcome = race.run(field, one_user_key="one-request")
    after = race.audit(field)
    assert outcome.errors == [] and dict(outcome.refused) == {}
    assert (outcome.placed, after["orders"], after["stock"]) == (1, 1, 4)


@pytest.fixture(scope="module")
def pg_one_user_field(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return race.prepare(CLIENTS, 99, price=10, funds=10, limit=99)


@postgres_only
@pytest.mark.django_db
def test_postgresql_one_user_16_orders_only_one_affordable(pg_one_user_field):
    field = pg_one_user_field
    outcome = race.run(field, one_user=True)
    after = race.audit(field)
    assert outcome.errors == []
    assert outcome.placed == 1 and dict(outcome.refused) == {"insufficient_points": CLIENTS - 1}
    assert (after["orders"], after["stock"], after["first_balance"]) == (1, 98, 0)
    assert after["negative_balances"] == 0 and after["unbalanced"] == []
