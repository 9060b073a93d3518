"""Reads of notifications: a user reads only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.notifications.models import Notification


def notices(viewer: Any) -> QuerySet[Notification]:
    """The viewer's notices, newest first (as the inbox page lists them)."""
    return Notification.objects.filter(user_id=getattr(viewer, "pk", None) or 0).order_by("-id")


def unread_count(viewer: Any) -> int:
    """What the navigation's badge counts (the (user, read_at) index answers it)."""
    return Notification.objects.filter(user_id=getattr(viewer, "pk", None) or 0, read_at__isnull=True).count()
