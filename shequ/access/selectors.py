from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Concat

from shequ.access.models import EVENT_LABELS, AuditEvent
from shequ.access.roles import Permission
from shequ.access.scope import scope_q
from shequ.areas.models import Area
from shequ.areas.paths import under


def audit_events(
    viewer: Any,
    *,
    actor: str = "",
    event: str = "",
    area: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[QuerySet[AuditEvent], list[tuple[str, str]]]:
    """Audit rows in the viewer's audit scope, newest first, and the event names that can
    be chosen (every event the project writes: reading which ones occur in the scope
    scanned the whole log on every visit)."""
    # As the problem list: on SQLite the place is tested through an expression, so that
    # the newest-first walk of the primary key stops after a page instead of taking the
    # path index and sorting every row of the scope.
    path: Any = (
        F("area_path")
        if connection.vendor == "postgresql"
        else Concat("area_path", Value(""), output_field=CharField())
    )
    qs = AuditEvent.objects.alias(scan_path=path).filter(scope_q(viewer, Permission.AUDIT_VIEW, "scan_path"))
    names = sorted(EVENT_LABELS.items())
    if actor:
        qs = qs.filter(actor_name=actor)
    if event:
        qs = qs.filter(event=event)
    if area:
        path = Area.objects.filter(code=area).values_list("path", flat=True).first()
        qs = qs.filter(under(path, "scan_path")) if path else qs.none()
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lte=until)
    return qs.order_by("-id"), names
