from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar may show: computed from permissions, not role names."""
    from shequ.access.roles import Permission
    from shequ.access.scope import has_anywhere

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "residents": has_anywhere(user, Permission.RESIDENT_VIEW),
            "audit": has_anywhere(user, Permission.AUDIT_VIEW),
            "areas": has_anywhere(user, Permission.AREA_VIEW),
        }
    }
