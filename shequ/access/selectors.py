from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

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
    """Audit rows in the viewer's audit scope, newest first, and the event names in it."""
    qs = AuditEvent.objects.filter(scope_q(viewer, Permission.AUDIT_VIEW, "area_path"))
    names = [(e, EVENT_LABELS.get(e, e)) for e in sorted(set(qs.values_list("event", flat=True).distinct()))]
    if actor:
        qs = qs.filter(actor_name=actor)
    if event:
        qs = qs.filter(event=event)
    if area:
        path = Area.objects.filter(code=area).values_list("path", flat=True).first()
        qs = qs.filter(under(path, "area_path")) if path else qs.none()
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lte=until)
    return qs.order_by("-id"), names
