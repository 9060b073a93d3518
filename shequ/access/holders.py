"""Who holds a permission over a place: the people a notification or a routing concerns."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from shequ.access.models import RoleAssignment, User
from shequ.access.roles import GRANTS, Permission
from shequ.areas.paths import ancestors
from shequ.core import rawsql


def _assignments(permission: Permission | str, path: str) -> QuerySet[RoleAssignment]:
    roles = [role for role, perms in GRANTS.items() if permission in perms]
    return RoleAssignment.objects.filter(
        role__in=roles, path__in=ancestors(path), user__is_active=True
    ).order_by("user_id")


def _nearest(rows: list[tuple[int, str]]) -> list[int]:
    """The users at the deepest level that has any, each once, in user id order."""
    if not rows:
        return []
    deepest = max(len(path) for _, path in rows)
    return list(dict.fromkeys(uid for uid, path in rows if len(path) == deepest))


def holders(
    permission: Permission | str, path: str, *, nearest_only: bool = True, skip: Any = None
) -> list[User]:
    """Active users holding ``permission`` at ``path`` or above it. With ``nearest_only``,
    only those at the deepest level that has any (the community's staff, not the street's).
    ``skip``: a user left out before the level is chosen (one who may not act on their own
    matter: the grid's only grid worker sending their own proof leaves it to the community)."""
    rows = list(_assignments(permission, path).select_related("user"))
    if skip is not None:
        rows = [r for r in rows if r.user_id != skip.pk]
    if nearest_only and rows:
        deepest = max(len(r.path) for r in rows)
        rows = [r for r in rows if len(r.path) == deepest]
    unique: dict[int, User] = {}
    for row in rows:
        unique.setdefault(row.user_id, row.user)
    return list(unique.values())


def holders_at(permission: Permission | str, path: str) -> list[User]:
    """Active users holding ``permission`` by a role at ``path`` itself (the community's
    own staff, not the street's above it), each once."""
    roles = [role for role, perms in GRANTS.items() if permission in perms]
    rows = RoleAssignment.objects.filter(role__in=roles, path=path, user__is_active=True)
    return list(User.objects.filter(pk__in=rows.values("user_id")).order_by("pk"))


def holder_ids(permission: Permission | str, path: str) -> list[int]:
    """The ids of the nearest holders (as ``holders``), without loading the users: enough
    to address a notification. Every report reads it, so the query is written by hand
    (see shequ.core.rawsql): the same rows as ``_assignments(...).values_list``."""
    statement = holder_ids_statement(permission, path)
    if statement is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return holder_ids_of(cursor.fetchall())


def holder_ids_statement(permission: Permission | str, path: str) -> rawsql.Statement | None:
    """The SELECT of ``holder_ids`` (None: nobody can hold it there), for a caller that
    sends it in a batch with other reads (``rawsql.run``); ``holder_ids_of`` its rows."""
    roles = [role for role, perms in GRANTS.items() if permission in perms]
    above = ancestors(path)
    if not roles or not above:
        return None
    # Only names from the code and placeholders are formatted in; values are bound.
    sql = (
        "SELECT a.user_id, a.path FROM access_roleassignment a"  # noqa: S608
        " JOIN access_user u ON u.id = a.user_id"
        f" WHERE a.role IN ({', '.join(['%s'] * len(roles))})"
        f" AND a.path IN ({', '.join(['%s'] * len(above))})"
        " AND u.is_active = %s ORDER BY a.user_id"
    )
    return sql, [*roles, *above, True]


def holder_ids_of(rows: list[tuple[Any, ...]]) -> list[int]:
    """``holder_ids`` from the rows of ``holder_ids_statement``."""
    return _nearest([(uid, p) for uid, p in rows])
