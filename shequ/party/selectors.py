"""Reads of party organisations and 双报到 registrations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.access.roles import Permission
from shequ.party.models import DualRegistration


def reporting_communities(viewer: Any) -> list[str]:
    """The paths of the communities the viewer reports to as a party member (双报到),
    where they claim public tasks as the residents do."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return []
    return sorted(set(DualRegistration.objects.filter(user_id=viewer.pk).values_list("area_path", flat=True)))


def dual_registrations(viewer: Any) -> QuerySet[DualRegistration]:
    """The 双报到 registrations of the communities the viewer's ``task.view`` covers."""
    return (
        DualRegistration.objects.visible_to(viewer, Permission.TASK_VIEW)
        .select_related("user", "user__resident", "community")
        .order_by("area_path", "-registered_at", "-id")
    )
