"""Who holds a permission over a place: the people a notification or a routing concerns."""

from __future__ import annotations

from shequ.access.models import RoleAssignment, User
from shequ.access.roles import GRANTS, Permission
from shequ.areas.paths import codes


def holders(permission: Permission | str, path: str, *, nearest_only: bool = True) -> list[User]:
    """Active users holding ``permission`` at ``path`` or above it. With ``nearest_only``,
    only those at the deepest level that has any (the community's staff, not the street's)."""
    roles = [role for role, perms in GRANTS.items() if permission in perms]
    parts = codes(path)
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    rows = list(
        RoleAssignment.objects.filter(role__in=roles, path__in=ancestors, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    if nearest_only and rows:
        deepest = max(len(r.path) for r in rows)
        rows = [r for r in rows if len(r.path) == deepest]
    unique: dict[int, User] = {}
    for row in rows:
        unique.setdefault(row.user_id, row.user)
    return list(unique.values())
