"""The materialised path of the area tree.

An area's path is its ancestors' division codes and its own, each followed by "/":
``/150784001/150784001012/150784001012003/``. Everything placed in the tree stores the
path of its place, so "under this area" is a prefix test. The prefix test is written as
a half-open range (``path >= p AND path < p'``, where p' is p with its closing "/" bumped
to "0") so that SQLite and PostgreSQL both answer it from a plain b-tree index.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

SEP = "/"


def child_path(parent_path: str, code: str) -> str:
    if SEP in code or not code:
        raise ValueError(f"bad area code {code!r}")
    return f"{parent_path or SEP}{code}{SEP}"


def upper_bound(path: str) -> str:
    # "/" is 0x2F and "0" is 0x30: every path starting with `path` sorts below this.
    assert path.endswith(SEP)
    return path[:-1] + "0"


def under(path: str, field: str = "area_path") -> Q:
    """Records whose ``field`` lies at or below ``path``."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": upper_bound(path)})


def under_any(paths: Iterable[str], field: str = "area_path") -> Q:
    """Rows at or under any of ``paths`` (none: no row)."""
    first, *rest = list(paths) or [""]
    if not first:
        return Q(pk__in=[])
    q = under(first, field)
    for path in rest:
        q |= under(path, field)
    return q


def codes(path: str) -> list[str]:
    return [part for part in path.split(SEP) if part]


def ancestors(path: str) -> list[str]:
    """``path`` and every path above it, top first: /5001/500111/ → [/5001/, /5001/500111/]."""
    parts = codes(path)
    return [SEP + SEP.join(parts[: i + 1]) + SEP for i in range(len(parts))]


def is_under(path: str, ancestor: str) -> bool:
    return path.startswith(ancestor)
