"""Text columns compared byte by byte.

Area paths and pinyin keys are searched by prefix as half-open ranges
(``col >= 'p' AND col < 'p\U0010ffff'``), which an ordinary b-tree index answers. That is
only right under a byte-order collation: SQLite's default BINARY is one, but a PostgreSQL
database created with a language collation (en_US.UTF-8) would ignore the "/" in paths.
So on PostgreSQL these columns are declared ``COLLATE "C"``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

TOP = "\U0010ffff"  # sorts after every character


class ByteOrderCharField(models.CharField):
    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def starts_with(field: str, prefix: str) -> Q:
    """``field`` begins with ``prefix``, as a range an index can answer."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + TOP})
