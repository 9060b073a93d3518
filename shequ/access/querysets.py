"""The queryset every area-placed model uses, so that scoping is written once."""

from __future__ import annotations

from typing import Any

from django.db import models

from shequ.areas.paths import under


class ScopedQuerySet(models.QuerySet):
    """``visible_to(user)`` keeps rows whose ``area_path`` lies in the user's scope for the
    model's view permission (or the one given)."""

    view_permission = "resident.view"

    def visible_to(self, user: Any, permission: str | None = None) -> Any:
        from shequ.access.scope import scope_q

        return self.filter(scope_q(user, permission or self.view_permission, "area_path"))

    def under(self, path: str) -> Any:
        return self.filter(under(path, "area_path"))
