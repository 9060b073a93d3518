"""Reads of the registry import, always on behalf of a viewer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.access.roles import Permission
from shequ.core.errors import NotFound
from shequ.registry.models import ImportRun


def import_runs(viewer: Any) -> QuerySet[ImportRun]:
    return (
        ImportRun.objects.visible_to(viewer, Permission.REGISTRY_IMPORT)
        .select_related("community", "requested_by")
        .defer("errors", "changes", "headers", "checked_plan")
        .order_by("-id")
    )


def get_import_run(viewer: Any, run_id: int) -> ImportRun:
    try:
        return (
            ImportRun.objects.visible_to(viewer, Permission.REGISTRY_IMPORT)
            .select_related("community", "requested_by")
            .defer("checked_plan")  # read by the job only
            .get(pk=run_id)
        )
    except (ImportRun.DoesNotExist, ValueError, TypeError):
        raise NotFound("导入记录") from None
