"""Who holds a permission over a place: the people a notification or a routing concerns."""

from __future__ import annotations

from django.db.models import QuerySet

from shequ.access.models import User
from shequ.access.roles import GRANTS, Permission
from shequ.areas.paths import codes


def holders(permission: Permission | str, path: str, *, nearest_only: bool = True) -> QuerySet[User]:
    """Active users holding ``permission`` at ``path`` or above it. With ``nearest_only``,
    only those at the deepest level that has any (the community's staff, not the street's)."""
    roles = [role for role, perms in GRANTS.items() if permission in perms]
    parts = codes(path)
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    users = User.objects.filter(is_active=True, assignments__role__in=roles, assignments__path__in=ancestors)
    if nearest_only:
        found = set(
            User.objects.filter(
                is_active=True, assignments__role__in=roles, assignments__path__in=ancestors
            ).values_list("assignments__path", flat=True)
        )
        if found:
            deepest = max(found, key=len)
            users = users.filter(assignments__path=deepest)
    return users.distinct()
