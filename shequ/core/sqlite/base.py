"""Django's SQLite backend, with writers queued at a gate before they ask for the lock.

Every transaction here is ``BEGIN IMMEDIATE`` (settings ``transaction_mode``): it takes
SQLite's one write lock at its first statement. A connection that finds the lock held
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries
whatever the holder does. With several gunicorn workers writing transactions of 1–3 ms,
those sleeps, not the work, made most of the time of a request: measured on 2026-11-22, a
problem report took 3.7 ms inside one worker and 13 ms (median) inside each of two.

So each connection first takes an exclusive ``flock`` on ``<database>-gate`` (a file
beside the database, like its ``-wal`` and ``-shm``) and holds it until its transaction
ends; the kernel wakes the next writer as soon as it is left (or its holder dies). The
gate only decides who asks SQLite first: the lock itself, and every guarantee that comes
with it, is still SQLite's. A transaction that has held the gate for more than a second
leaves it at its next statement, so behind a long transaction the others wait in SQLite's
busy handler as before, with its timeout. (A thread that, inside a transaction, waits
for another thread's transaction would now wait for good instead of failing after the
busy timeout; nothing here does that.) In-memory databases (the test suite's) have no
gate, and writes outside a transaction (autocommit) do not use it.

SQLite's own checkpoint runs inside COMMIT, that is inside the gate, where the next
writer would wait for it. So each process copies the log back itself, after leaving the
gate, at most every ``CHECKPOINT_SECONDS``, and SQLite's automatic checkpoint is kept
only as a safety net at 10,000 pages. With ``synchronous=NORMAL`` a commit reaches the
disk at a checkpoint: under a steady stream of writes that is within about 50 ms.

Why 50 ms: the slow requests under steady writing were commits waiting in ``fdatasync``
inside the write lock, with every other writer queued behind, while a checkpoint's
database pages were being flushed to the disk; the more a checkpoint copies, the longer
that flush. Once a second, the slowest 1 % of problem reports took 6–8 times the bare
endpoint's; every 50 ms they are as far from their median as the bare endpoint's are
(docs/performance.md, 2026-11-24). A checkpoint after every commit cost throughput.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from typing import Any

from django.db.backends.sqlite3 import base

CHECKPOINT_SECONDS = 0.05  # see above; once a second made the tail 6-8x the bare endpoint's
GATE_HOLD_SECONDS = 1.0
AUTOCHECKPOINT_PAGES = 10_000  # ~40 MB of log; SQLite's default is 1,000
_last_checkpoint = 0.0


class DatabaseWrapper(base.DatabaseWrapper):
    _gate_fd: int | None = None
    _gate_held = False
    _gate_since = 0.0

    def _gate_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}-gate"

    def _gate_enter(self) -> None:
        if self._gate_held:
            return
        if self._gate_fd is None:
            path = self._gate_path()
            if path is None:
                return
            try:
                self._gate_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return  # no gate (say, a read-only directory): SQLite's lock alone
        # Blocking: the kernel wakes a waiter the moment the gate is left (polling every
        # 0.05-0.5 ms instead measured 0.16-0.20 of the bare endpoint against 0.27-0.35).
        fcntl.flock(self._gate_fd, fcntl.LOCK_EX)
        self._gate_held = True
        self._gate_since = time.monotonic()

    def _gate_leave(self) -> None:
        if self._gate_held and self._gate_fd is not None:
            self._gate_held = False
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    def create_cursor(self, name: Any = None) -> Any:
        if self._gate_held and time.monotonic() - self._gate_since > GATE_HOLD_SECONDS:
            # A long transaction lets the others through to SQLite's lock, where they wait
            # as they always did (the busy timeout), so no one waits at the gate for long.
            self._gate_leave()
        return super().create_cursor(name)

    def _start_transaction_under_autocommit(self) -> None:
        self._gate_enter()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._gate_leave()
            raise

    def _commit(self) -> Any:
        try:
            done = super()._commit()  # type: ignore[misc]
        finally:
            self._gate_leave()
        self._checkpoint_if_due()
        return done

    def get_new_connection(self, conn_params: Any) -> Any:
        conn = super().get_new_connection(conn_params)
        if self._gate_path() is not None:
            # SQLite's own checkpoint (inside COMMIT, inside the gate) is only the safety
            # net; _checkpoint_if_due does the work after the gate.
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        return conn

    def _checkpoint_if_due(self) -> None:
        """Copy the write-ahead log into the database at most every ``CHECKPOINT_SECONDS``
        per process, after the gate is left, so the other writers do not wait for it."""
        global _last_checkpoint
        if self._gate_fd is None or self.connection is None:
            return
        now = time.monotonic()
        if now - _last_checkpoint < CHECKPOINT_SECONDS:
            return
        _last_checkpoint = now
        with contextlib.suppress(sqlite3.Error):
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._gate_leave()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._gate_leave()
            if self._gate_fd is not None:
                os.close(self._gate_fd)
                self._gate_fd = None
