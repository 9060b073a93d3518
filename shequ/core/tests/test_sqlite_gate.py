"""The SQLite writers' gate: a second writer waits at the gate while a transaction is open,
and enters as soon as it ends; in-memory databases have none."""

import fcntl
import os
import threading
import time

import pytest

from shequ.core.sqlite.base import DatabaseWrapper


def _free(path):
    """Whether a process could take the gate now (then leaves it again)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.fixture(autouse=True)
def _files_of_our_own(django_db_blocker):
    # These databases are files of the test's own, whatever the suite runs on.
    with django_db_blocker.unblock():
        yield


def _wrapper(path, timeout=20):
    return DatabaseWrapper(
        {
            "NAME": str(path),
            "ENGINE": "shequ.core.sqlite",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TIME_ZONE": None,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias="gate_test",
    )


def test_a_second_writer_waits_at_the_gate_until_the_first_commits(tmp_path):
    first = _wrapper(tmp_path / "db.sqlite3")
    first.ensure_connection()
    first.cursor().execute("CREATE TABLE t (n INTEGER)")
    entered = threading.Event()

    def write():
        second = _wrapper(tmp_path / "db.sqlite3")  # a connection of its own thread
        second.ensure_connection()
        second._start_transaction_under_autocommit()
        entered.set()
        second.cursor().execute("INSERT INTO t VALUES (2)")
        second.commit()
        second.close()

    first._start_transaction_under_autocommit()
    assert first._gate_held
    first.cursor().execute("INSERT INTO t VALUES (1)")
    other = threading.Thread(target=write)
    other.start()
    time.sleep(0.3)
    assert not entered.is_set()
    assert not _free(tmp_path / "db.sqlite3-gate")  # the gate is taken while the first writes
    first.commit()
    assert not first._gate_held
    other.join(10)
    assert entered.is_set()
    rows = first.cursor().execute("SELECT n FROM t ORDER BY n").fetchall()
    assert [r[0] for r in rows] == [1, 2]
    assert (tmp_path / "db.sqlite3-gate").exists()
    first.close()


def test_a_rolled_back_transaction_leaves_the_gate(tmp_path):
    db = _wrapper(tmp_path / "db.sqlite3")
    db.ensure_connection()
    db._start_transaction_under_autocommit()
    assert db._gate_held
    assert not _free(tmp_path / "db.sqlite3-gate")
    db.rollback()
    assert not db._gate_held and _free(tmp_path / "db.sqlite3-gate")
    db.close()
    assert db._gate_fd is None


def test_in_memory_databases_have_no_gate():
    db = _wrapper(":memory:")
    db.ensure_connection()
    db._start_transaction_under_autocommit()
    assert db._gate_path() is None and not db._gate_held
    db.rollback()
    db.close()


def test_a_long_transaction_leaves_the_gate_at_its_next_statement(tmp_path, monkeypatch):
    from shequ.core.sqlite import base

    db = _wrapper(tmp_path / "db.sqlite3")
    db.ensure_connection()
    db._start_transaction_under_autocommit()
    db.cursor().execute("SELECT 1")
    assert not _free(tmp_path / "db.sqlite3-gate")  # a short one keeps it
    monkeypatch.setattr(base, "GATE_HOLD_SECONDS", 0.0)
    time.sleep(0.01)
    db.cursor().execute("SELECT 1")
    assert not db._gate_held and _free(tmp_path / "db.sqlite3-gate")
    db.commit()
    db.close()


def test_commits_copy_the_log_back_once_per_interval(tmp_path, monkeypatch):
    """After a commit the process checkpoints when the interval has passed since its last
    checkpoint, and not otherwise; the copy runs after the gate is left."""
    from shequ.core.sqlite import base

    db = _wrapper(tmp_path / "db.sqlite3")
    db.ensure_connection()
    db.connection.execute("PRAGMA journal_mode=WAL")
    db.cursor().execute("CREATE TABLE t (x INTEGER)")
    statements = []
    gate_free_at_checkpoint = []

    def trace(sql):
        statements.append(sql)
        if "wal_checkpoint" in sql:
            gate_free_at_checkpoint.append(_free(tmp_path / "db.sqlite3-gate"))

    db.connection.set_trace_callback(trace)

    def write():
        db._start_transaction_under_autocommit()
        db.cursor().execute("INSERT INTO t (x) VALUES (1)")
        db.commit()

    def checkpoints():
        return sum("wal_checkpoint(PASSIVE)" in s for s in statements)

    monkeypatch.setattr(base, "_last_checkpoint", time.monotonic() - base.CHECKPOINT_SECONDS - 1)
    write()
    assert checkpoints() == 1
    monkeypatch.setattr(base, "CHECKPOINT_SECONDS", 3600.0)  # not due again for an hour
    write()
    write()
    assert checkpoints() == 1
    monkeypatch.setattr(base, "_last_checkpoint", time.monotonic() - 3601)
    write()
    assert checkpoints() == 2
    assert gate_free_at_checkpoint == [True, True]
    db.close()
