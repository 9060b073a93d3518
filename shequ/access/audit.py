"""The audit log: append a hash-chained row in the caller's transaction; verify the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shequ.access.models import AuditEvent
from shequ.core import rawsql

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_305_111  # advisory lock that serialises appends on PostgreSQL


def _canonical(content: dict[str, Any]) -> str:
    """The text a row's hash is taken over; ``_head`` relies on it being this exact form."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(prev_hash: str, at: datetime, fields: dict[str, Any]) -> str:
    body = _canonical({"prev": prev_hash, "at": at.isoformat(), **fields})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "event": event.event,
        "area_path": event.area_path,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "ip": event.ip,
    }


def build(
    actor: Any,
    event: str,
    *,
    area_path: str = "",
    obj: Any = None,
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEvent:
    """The unsaved row ``record`` appends (its ``prev_hash`` and ``hash`` still empty)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    row = AuditEvent(
        at=timezone.now(),
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        event=event,
        area_path=area_path,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        ip=ip or "",
    )
    # Round-trip detail through JSON so the hash is computed over what is stored.
    row.detail = json.loads(json.dumps(row.detail, ensure_ascii=False, default=str))
    return row


# The row and its hash in one statement that reads the previous hash itself: the hash is
# SHA-256 over ``head || previous hash || '"}'`` (see ``_head``), so the database needs no
# round trip back to Python between reading the chain's end and appending to it. SQLite's
# SHA256() is the function Django registers on every SQLite connection.
_APPEND = {
    "postgresql": (
        "INSERT INTO access_auditevent "
        "(at, actor_id, actor_name, event, area_path, object_type, object_id, detail, ip, prev_hash, hash) "
        "SELECT %s, %s, %s, %s, %s, %s, %s, CAST(%s AS jsonb), %s, p.h, "
        "encode(sha256(convert_to(%s || p.h || %s, 'UTF8')), 'hex') "
        "FROM (SELECT COALESCE((SELECT hash FROM access_auditevent ORDER BY id DESC LIMIT 1), %s) AS h) AS p "
        "RETURNING id, prev_hash, hash"
    ),
    "sqlite": (
        "INSERT INTO access_auditevent "
        "(at, actor_id, actor_name, event, area_path, object_type, object_id, detail, ip, prev_hash, hash) "
        "SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, p.h, SHA256(%s || p.h || %s) "
        "FROM (SELECT COALESCE((SELECT hash FROM access_auditevent ORDER BY id DESC LIMIT 1), %s) AS h) AS p "
        "RETURNING id, prev_hash, hash"
    ),
}
_TAIL = '"}'


def _head(row: AuditEvent) -> str:
    """The digested text up to the previous hash: ``_digest`` writes its keys sorted and
    "prev" sorts after every other key, so the text is this row's JSON without its closing
    brace, then ``,"prev":"``, the previous hash and ``"}``."""
    fields = _content(row)
    assert all(name < "prev" for name in fields)
    return _canonical({"at": row.at.isoformat(), **fields})[:-1] + ',"prev":"'


def append_statements(row: AuditEvent) -> list[rawsql.Statement]:
    """The statements that append ``row`` to the chain, to be run in the caller's
    transaction (alone by ``record``, or after a service's own statements in one round
    trip). PostgreSQL: an advisory lock, held to the commit, makes appends one at a time;
    the INSERT is a separate statement, so it reads the chain's end after the lock is
    granted. SQLite: the IMMEDIATE write transaction already runs alone."""
    vendor = connection.vendor
    params = [
        connection.ops.adapt_datetimefield_value(row.at),
        row.actor_id,
        row.actor_name,
        row.event,
        row.area_path,
        row.object_type,
        row.object_id,
        json.dumps(row.detail) if vendor == "sqlite" else json.dumps(row.detail, ensure_ascii=False),
        row.ip,
        _head(row),
        _TAIL,
        GENESIS,
    ]
    out: list[rawsql.Statement] = []
    if vendor == "postgresql":
        out.append(("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY]))
    out.append((_APPEND[vendor], params))
    return out


def hold_chain() -> None:
    """Take the append lock now, in a transaction that counts the actor's audit rows before
    it appends one (an hourly allowance): two requests at once would otherwise both count
    the same rows, both pass, and together overshoot the allowance. The lock is the one
    every append takes anyway, held to the commit. SQLite: the IMMEDIATE transaction
    already runs alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def appended(row: AuditEvent, result: rawsql.Result) -> AuditEvent:
    """``row`` with what the INSERT of ``append_statements`` returned."""
    row.pk, row.prev_hash, row.hash = result[1][0]
    row._state.adding = False
    return row


def record(
    actor: Any,
    event: str,
    *,
    area_path: str = "",
    obj: Any = None,
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEvent:
    """Append one audit row. Runs inside the caller's transaction (or its own)."""
    row = build(actor, event, area_path=area_path, obj=obj, detail=detail, ip=ip)
    # No savepoint of its own: if the audit row cannot be written, the change it records
    # must not be committed either.
    with transaction.atomic(savepoint=False):
        results = rawsql.run(append_statements(row))
    return appended(row, results[-1])


@dataclass
class ChainReport:
    intact: bool
    checked: int
    first_broken_id: int | None = None


def verify_chain() -> ChainReport:
    prev = GENESIS
    checked = 0
    for row in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if row.prev_hash != prev or row.hash != _digest(row.prev_hash, row.at, _content(row)):
            return ChainReport(False, checked, row.id)
        prev = row.hash
        checked += 1
    return ChainReport(True, checked)


def client_ip(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""
