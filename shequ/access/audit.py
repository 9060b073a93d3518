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

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_305_111  # advisory lock that serialises appends on PostgreSQL


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
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        row.prev_hash = prev or GENESIS
        row.hash = _digest(row.prev_hash, row.at, _content(row))
        row.save(force_insert=True)
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
