"""The one scope rule: a user may do X to a record if the record's area path lies at or
below the path of one of their role assignments whose role grants X.

Every list, detail, export, map and statistic filters through ``scope_q`` (usually via a
model's ``visible_to``); every single-record check goes through ``can``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q

from shequ.access.roles import GRANTS, Permission
from shequ.areas.paths import under_any

_CACHE_ATTR = "_shequ_assignments"
_ASSIGNMENTS = "SELECT role, path FROM access_roleassignment WHERE user_id = %s"


def assignments(user: Any) -> list[tuple[str, str]]:
    """(role, path) pairs of an active, logged-in user; cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        # Read on nearly every request, so written by hand (shequ.core.rawsql's reasoning):
        # the same rows as user.assignments.values_list("role", "path").
        with connection.cursor() as cursor:
            cursor.execute(_ASSIGNMENTS, [user.pk])
            cached = [(role, path) for role, path in cursor.fetchall()]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def remember(user: Any, pairs: list[tuple[str, str]]) -> None:
    """Keep ``user``'s (role, path) pairs, read along with something else (the token)."""
    setattr(user, _CACHE_ATTR, pairs)


def forget(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_paths(user: Any, permission: Permission | str) -> list[str]:
    """The top-most paths where ``user`` holds ``permission`` (nested ones folded in)."""
    paths = sorted({path for role, path in assignments(user) if permission in GRANTS.get(role, ())})
    folded: list[str] = []
    for path in paths:
        if not folded or not path.startswith(folded[-1]):
            folded.append(path)
    return folded


def scope_q(user: Any, permission: Permission | str, field: str = "area_path") -> Q:
    return under_any(scope_paths(user, permission), field)


def can(user: Any, permission: Permission | str, path: str) -> bool:
    return any(path.startswith(p) for p in scope_paths(user, permission))


def home_path(user: Any) -> str:
    """The widest path the user holds any role over ("" for none): where their own
    account events (logins, tokens) are filed in the audit log."""
    paths = [path for _, path in assignments(user)]
    return min(paths, key=len) if paths else ""


def has_anywhere(user: Any, permission: Permission | str) -> bool:
    return bool(scope_paths(user, permission))


def staff_only(user: Any, permission: Permission | str, message: str) -> None:
    """A staff page or list asked for by someone who holds ``permission`` nowhere: 403
    with ``message``, on the page and the API alike (an empty list would read as
    "nothing there")."""
    if not has_anywhere(user, permission):
        from shequ.core.errors import Forbidden

        raise Forbidden(message)
