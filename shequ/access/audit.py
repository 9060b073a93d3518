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
_LAST_HASH = "SELECT hash FROM access_auditevent ORDER BY id DESC LIMIT 1"


def _digest(prev_hash: str, at: datetime, fields: dict[str, Any]) -> str:
    body = json.dumps(
        {"prev": prev_hash, "at": at.isoformat(), **fields},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
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
    # No savepoint of its own: if the audit row cannot be written, the change it records
    # must not be committed either.
    # Every audited write passes here, so the two statements are written by hand (see
    # shequ.core.rawsql): the same row as row.save(), without the ORM's query building.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A statement of its own: the previous hash must be read after the lock is
                # held (each statement reads what was committed when it started).
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
            cursor.execute(_LAST_HASH)
            prev = cursor.fetchone()
        row.prev_hash = prev[0] if prev else GENESIS
        row.hash = _digest(row.prev_hash, row.at, _content(row))
        rawsql.insert(row)
    return row


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
