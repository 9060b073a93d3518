"""Who holds a permission over a place: the people a notification or a routing concerns."""

from __future__ import annotations

from django.db.models import QuerySet

from shequ.access.models import RoleAssignment, User
from shequ.access.roles import GRANTS, Permission
from shequ.areas.paths import codes


def _assignments(permission: Permission | str, path: str) -> QuerySet[RoleAssignment]:
    roles = [role for role, perms in GRANTS.items() if permission in perms]
    parts = codes(path)
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return RoleAssignment.objects.filter(role__in=roles, path__in=ancestors, user__is_active=True).order_by(
        "user_id"
    )


def _nearest(rows: list[tuple[int, str]]) -> list[int]:
    """The users at the deepest level that has any, each once, in user id order."""
    if not rows:
        return []
    deepest = max(len(path) for _, path in rows)
    return list(dict.fromkeys(uid for uid, path in rows if len(path) == deepest))


def holders(permission: Permission | str, path: str, *, nearest_only: bool = True) -> list[User]:
    """Active users holding ``permission`` at ``path`` or above it. With ``nearest_only``,
    only those at the deepest level that has any (the community's staff, not the street's)."""
    rows = list(_assignments(permission, path).select_related("user"))
    if nearest_only and rows:
        deepest = max(len(r.path) for r in rows)
        rows = [r for r in rows if len(r.path) == deepest]
    unique: dict[int, User] = {}
    for row in rows:
        unique.setdefault(row.user_id, row.user)
    return list(unique.values())


def holder_ids(permission: Permission | str, path: str) -> list[int]:
    """The ids of the nearest holders (as ``holders``), without loading the users: enough
    to address a notification."""
    return _nearest(list(_assignments(permission, path).values_list("user_id", "path")))
