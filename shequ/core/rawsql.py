"""Hand-written statements for the few hot paths, with the ORM's own value handling.

Through the ORM, a one-row INSERT or SELECT costs 0.3–1 ms of Python on the two-core
machine, nearly all of it in building and compiling the query, not in the database. The
problem report and the redemption run a dozen statements each. These helpers keep the
parts of the ORM that make a row right and skip the rest:

- ``insert``/``insert_many`` pass each field's value through the field's own
  ``pre_save`` (``auto_now``, ``auto_now_add``) and ``get_db_prep_save`` (datetimes,
  JSON, encrypted fields), as the ORM's insert compiler does; only the SQL text is built
  once per model and kept. ``INSERT … VALUES … RETURNING id`` is accepted by SQLite (3.35+)
  and PostgreSQL alike. They skip the ``pre_save``/``post_save`` signals, so they refuse a
  model that has receivers for either, rather than skip a receiver added later. A value
  of exactly the type a plain field stores unchanged (``_AS_IS``) skips the conversion
  it would come out of unchanged. ``Prepared.statement``/``done`` and
  ``insert_many_statements`` give the INSERTs for a batch sent by ``run``.
- ``columns``/``load`` let a hand-written SELECT return model instances: the values go
  through the backend's and the field's converters (SQLite's naive datetimes made aware,
  its integers made booleans) and ``Model.from_db``, as a queryset's would.
- ``run`` executes a list of statements in the caller's transaction and returns, for
  each, its row count and the rows it returned. On PostgreSQL the statements travel in
  one round trip, each with its own result (and, at READ COMMITTED, its own snapshot: a
  statement that follows a lock sees what was committed while it waited): as a pipeline
  of server-side prepared statements (``_pipeline``, decision 0006), or with
  SHEQU_PG_PREPARED off as one text message, Django's cursor binding the values on the
  client. On SQLite, which runs in-process, they are executed one at a time.

Where they are used and why: docs/decisions/0004-hot-create-path.md (the problem report)
and docs/decisions/0005-hot-path-sql.md (the redemption, the audit append).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.backends.postgresql.base import ServerBindingCursor as _ServerBindingCursor
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models.signals import post_save, pre_save
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

Statement = tuple[str, Sequence[Any]]
Result = tuple[int, list[tuple[Any, ...]]]
M = TypeVar("M", bound=models.Model)

_TIMESTAMPTZ = pg_types["timestamptz"].oid
# Django's psycopg 3 cursor that binds on the server (its stubs do not describe it).
ServerBindingCursor: Any = _ServerBindingCursor
_CHUNK = 200  # rows per INSERT statement, well under SQLite's limit of bound parameters
_SQL: dict[tuple[str, type[models.Model], int, bool], str] = {}
_CONVERTERS: dict[tuple[str, type[models.Model]], list[list[tuple[Callable[..., Any], Any]]]] = {}


def _fields(model: type[models.Model], with_pk: bool = False) -> list[Any]:
    return [f for f in model._meta.local_concrete_fields if with_pk or not f.primary_key]


def _statement(
    using: str, model: type[models.Model], rows: int, returning: bool, with_pk: bool = False
) -> str:
    key = (using, model, -rows if returning else rows, with_pk)
    sql = _SQL.get(key)
    if sql is None:
        qn = connections[using].ops.quote_name
        fields = _fields(model, with_pk)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        names = ", ".join(qn(str(f.column)) for f in fields)
        # Only names from the model's metadata and placeholders are formatted in.
        sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES {', '.join([one] * rows)}"  # noqa: S608
        if returning:
            sql += f" RETURNING {qn(str(model._meta.pk.column))}"  # type: ignore[union-attr]
        _SQL[key] = sql
    return sql


def _check_signals(model: type[models.Model]) -> None:
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise RuntimeError(f"{model.__name__} has save signal receivers, which rawsql would skip")


# Field classes whose pre_save only reads the attribute and whose get_db_prep_save gives
# back, unchanged, a value of the type named here (or None): for these a value of exactly
# that type is passed as it is, which is most of a row's fields and most of the Python an
# INSERT's values cost. Anything else (subclasses, datetimes, JSON, encrypted fields, a
# value of another type) takes the field's own conversion. test_rawsql.py checks the
# shortcut gives what the conversion gives.
_AS_IS: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.FloatField: float,
    models.BooleanField: bool,
}
# PostgreSQL's backend wraps an integer field's value in psycopg's Int2/Int4/Int8 (the
# keys of a foreign key, auto fields, are left plain): those keep their conversion.
_WRAPPED_ON_POSTGRESQL = {
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
}
_PLAN: dict[tuple[str, type[models.Model], str], list[tuple[Any, str, type | None]]] = {}


def _as_is(field: Any, vendor: str) -> type | None:
    """The value type ``field`` stores unchanged, if any (a foreign key: its target's)."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if vendor == "postgresql" and type(field) in _WRAPPED_ON_POSTGRESQL:
        return None
    return _AS_IS.get(type(field))


def _values(obj: models.Model, fields: list[Any], connection: Any) -> list[Any]:
    key = (connection.vendor, type(obj), ",".join(f.attname for f in fields))
    plan = _PLAN.get(key)
    if plan is None:
        plan = _PLAN[key] = [(f, f.attname, _as_is(f, connection.vendor)) for f in fields]
    out = []
    for f, attname, kind in plan:
        if kind is not None:
            value = getattr(obj, attname)
            if value is None or type(value) is kind:
                out.append(value)
                continue
        out.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
    return out


def insert(obj: M, *, using: str = "default") -> M:
    """Write the new instance ``obj`` (primary key unset) and set its primary key."""
    return Prepared(obj, using=using).insert()


class Prepared:
    """A new row whose values are made ready now and written later, by ``insert()``: so
    that a write transaction (SQLite's one write lock) holds only the statement. Fields
    named in ``later`` (say ``problem_id``, not known yet) are given to ``insert()``.
    An instance whose primary key is already set (taken from PostgreSQL's sequence
    beforehand) is written with it. ``statement()`` and ``done()`` split ``insert()`` in
    two, for a caller that sends the statement in a batch (``run``)."""

    def __init__(self, obj: models.Model, *, later: Sequence[str] = (), using: str = "default") -> None:
        model = type(obj)
        _check_signals(model)
        self.obj, self.using = obj, using
        with_pk = obj.pk is not None
        fields = _fields(model, with_pk)
        self.sql = _statement(using, model, 1, True, with_pk)
        self.params = _values(obj, fields, connections[using])
        self.slots = {f.attname: i for i, f in enumerate(fields) if f.attname in later}
        if len(self.slots) != len(later):
            raise ValueError(f"{model.__name__} has no field among {later}")

    def statement(self, **later: Any) -> Statement:
        """The INSERT, with the database values of the ``later`` fields."""
        if set(later) != set(self.slots):
            raise ValueError(f"insert() needs exactly {sorted(self.slots)}")
        params = list(self.params)
        for name, value in later.items():
            params[self.slots[name]] = value
            setattr(self.obj, name, value)
        return self.sql, params

    def done(self, result: Result) -> Any:
        """The instance, its primary key set from what the statement returned."""
        self.obj.pk = result[1][0][0]
        self.obj._state.adding = False
        self.obj._state.db = self.using
        return self.obj

    def insert(self, **later: Any) -> Any:
        """Write the row, with the database values of the ``later`` fields; returns the
        instance, its primary key set."""
        sql, params = self.statement(**later)
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return self.done((1, [cursor.fetchone()]))


def insert_many(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Write new instances of one model, up to 200 rows a statement (keys not read back)."""
    statements = insert_many_statements(objs, using=using)
    if not statements:
        return
    # Several statements are one write, as with bulk_create.
    with transaction.atomic(using=using, savepoint=False), connections[using].cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def insert_many_statements(objs: Sequence[models.Model], *, using: str = "default") -> list[Statement]:
    """The INSERTs of ``insert_many``, for a caller that runs them in a batch (``run``)."""
    if not objs:
        return []
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_many takes instances of one model")
    _check_signals(model)
    connection = connections[using]
    fields = _fields(model)
    out: list[Statement] = []
    for start in range(0, len(objs), _CHUNK):
        chunk = objs[start : start + _CHUNK]
        params: list[Any] = []
        for obj in chunk:
            params.extend(_values(obj, fields, connection))
        out.append((_statement(using, model, len(chunk), False), params))
    return out


def columns(model: type[models.Model], alias: str, *, using: str = "default") -> str:
    """The SELECT list of every concrete column of ``model`` (table aliased ``alias``), in
    the order ``load`` expects."""
    qn = connections[using].ops.quote_name
    return ", ".join(f"{alias}.{qn(str(f.column))}" for f in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    """How many values of a row ``columns(model, …)`` selects."""
    return len(model._meta.concrete_fields)


def load(model: type[M], row: Sequence[Any], *, using: str = "default") -> M:
    """A model instance from the values selected by ``columns(model, …)``."""
    key = (using, model)
    converters = _CONVERTERS.get(key)
    connection = connections[using]
    if converters is None:
        converters = []
        for f in model._meta.concrete_fields:
            col = f.cached_col
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            converters.append([(c, col) for c in found])
        _CONVERTERS[key] = converters
    values = list(row)
    for i, pairs in enumerate(converters):
        for converter, col in pairs:
            values[i] = converter(values[i], col, connection)
    return model.from_db(using, [f.attname for f in model._meta.concrete_fields], values)


def batched() -> bool:
    """Whether ``run`` sends a list of statements in one round trip (PostgreSQL)."""
    return connection.vendor == "postgresql" and (
        _prepared() or not connection.settings_dict["OPTIONS"].get("server_side_binding")
    )


def _prepared() -> bool:
    return connection.vendor == "postgresql" and settings.PG_PREPARED_STATEMENTS


def run(statements: list[Statement]) -> list[Result]:
    """(row count, rows) of each statement, in order."""
    if _prepared():
        return _pipeline(statements)
    out: list[Result] = []
    with connection.cursor() as cursor:
        if len(statements) > 1 and batched():
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps])
            while True:
                rows = cursor.fetchall() if cursor.description else []
                out.append((cursor.rowcount, rows))
                if not cursor.nextset():
                    break
            if len(out) != len(statements):  # pragma: no cover - a driver that merged results
                raise RuntimeError(f"{len(statements)} statements, {len(out)} results")
            return out
        for sql, params in statements:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
            out.append((cursor.rowcount, rows))
    return out


def _pipeline(statements: list[Statement]) -> list[Result]:
    """PostgreSQL with PG_PREPARED_STATEMENTS: the statements as prepared statements in
    one pipeline, one round trip. Each is parsed and planned once per connection (psycopg
    keeps the last 100 per connection); parsing and planning text was ~40 % of the
    server's CPU on a redemption. As in one simple-protocol message, the statements up to
    the pipeline's sync run in the caller's transaction or, outside one, as one implicit
    transaction, and an error skips the rest (a COMMIT among them included)."""
    db = connections["default"]  # the wrapper itself, not the per-thread proxy, for speed
    db.ensure_connection()
    db.validate_no_broken_transaction()
    conn = db.connection
    # As Django's own cursors: the timestamptz loader in Django's zone if the connection's
    # is in another.
    loader = conn.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)
    zone = db.timezone if db.timezone != getattr(loader, "timezone", db.timezone) else None
    started = time.monotonic()
    cursors = []
    error: Exception | None = None
    with db.wrap_database_errors:
        # A statement's error may arrive while later ones are still being queued. It is
        # kept and raised once the pipeline has been closed and has read the skipped
        # statements' results; raised inside the block, psycopg would log those as a
        # warning ("pipeline aborted") on every refused redemption.
        try:
            with conn.pipeline():
                try:
                    for sql, params in statements:
                        cursor = ServerBindingCursor(conn)
                        if zone is not None:
                            register_tzloader(zone, cursor)
                        cursor.execute(sql, params, prepare=True)
                        cursors.append(cursor)
                except psycopg.Error as exc:
                    error = exc
        except psycopg.Error as exc:
            error = error or exc
        if error is not None:
            raise error
        out = [(c.rowcount, c.fetchall() if c.description else []) for c in cursors]
    for c in cursors:
        c.close()
    if db.queries_logged:  # what Django's debug cursor records, one per statement
        took = f"{time.monotonic() - started:.3f}"
        db.queries_log.extend({"sql": sql, "time": took} for sql, _ in statements)
    return out
