"""Refuse to run with a SHEQU_FIELD_KEY that is not the one the database was written with.

A backup restored beside the wrong key file, or a worker or cron job started without the
production environment (which falls back to the public development key), otherwise
runs: full values do not open, searches by number find nobody, a registered person is
registered again, and new rows are sealed under a second key. The database keeps a check
value of its key (core.models.FieldKeyCheck); ``shequ.wsgi`` and ``shequ.cli`` call
``check_at_start`` before serving or running anything. See docs/operations.md.
"""

from __future__ import annotations

import hmac
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.sqlite3 import base as sqlite3

from shequ.core import fieldcrypt


class FieldKeyMismatch(ImproperlyConfigured):
    pass


def message() -> str:
    fallback = "" if settings.FIELD_KEY else "，而这里没有设置 SHEQU_FIELD_KEY，用的是公开的开发密钥"
    return (
        f"字段加密密钥与数据库不符（SHEQU_FIELD_KEY）：数据库中的身份证号和电话是用另一个密钥加密的{fallback}，"
        "拒绝运行。请用该数据库原来的密钥启动，见 docs/operations.md「字段加密密钥检查」"
    )


def verify(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise FieldKeyMismatch unless a configured key matches the database's check value.
    A database without one records the current key's, after checking that any personal
    data already there opens under it (a database from before the check)."""
    from shequ.core.models import FieldKeyCheck  # here: the console script imports this before setup

    connection = connections[using]
    if (
        isinstance(connection, sqlite3.DatabaseWrapper)
        and not connection.is_in_memory_db()
        and not Path(connection.settings_dict["NAME"]).exists()
    ):
        return  # no database yet; do not create an empty file for `shequ help`
    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:
        return  # unreachable: the command or request that needs it will say so
    if FieldKeyCheck._meta.db_table not in tables:
        return  # not migrated yet: `shequ migrate` creates the table, the next start records
    rows = FieldKeyCheck.objects.using(using)
    stored = rows.filter(pk=1).values_list("check_value", flat=True).first()
    if stored is None:
        if not _stored_data_opens(using, tables):
            raise FieldKeyMismatch(message())
        # Processes starting at once: the first row written wins, the others are checked against it.
        current = fieldcrypt.configured_keys()[0]
        rows.bulk_create(
            [FieldKeyCheck(pk=1, check_value=fieldcrypt.check_value(current))],
            ignore_conflicts=True,
        )
        stored = rows.filter(pk=1).values_list("check_value", flat=True).get()
    if not any(
        hmac.compare_digest(stored, fieldcrypt.check_value(key)) for key in fieldcrypt.configured_keys()
    ):
        raise FieldKeyMismatch(message())


def _stored_data_opens(using: str, tables: set[str]) -> bool:
    """Whether one stored ID number opens under the current key (True when none is stored)."""
    resident = apps.get_model("people", "Resident")
    if resident._meta.db_table not in tables:
        return True
    token = (
        resident.objects.using(using)
        .exclude(id_number_enc="")
        .values_list("id_number_enc", flat=True)
        .first()
    )
    if not token:
        return True
    try:
        fieldcrypt.decrypt(token, "id_number")
    except fieldcrypt.Undecryptable:
        return False
    return True


def check_at_start() -> None:
    """For the web server: raise at start (gunicorn then stops instead of booting workers
    again and again), and close the connection so no forked worker inherits it."""
    try:
        verify()
    finally:
        connections.close_all()


def refuse_wrong_key() -> None:
    """For the console script: one line on standard error and status 1, no traceback.
    Settings that do not load are left for the command to report in its own way."""
    import django

    try:
        django.setup()
    except Exception:  # noqa: BLE001 - reported by execute_from_command_line just after
        return
    try:
        check_at_start()
    except FieldKeyMismatch as exc:
        sys.exit(str(exc))
