"""The hand-written INSERTs and SELECTs store and read the same values as the ORM."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from shequ.access.models import ApiToken, AuditEvent, User
from shequ.core import rawsql
from shequ.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _stored(model, pk):
    return model.objects.filter(pk=pk).values().get()


def test_insert_stores_what_the_orm_stores(world):
    at = timezone.now()
    fields = {
        "at": at,
        "actor_id": world.street_chen.pk,
        "actor_name": "chen",
        "event": "test.raw",
        "area_path": "/370103003/",
        "object_type": "problem",
        "object_id": "7",
        "detail": {"中文": ["值", 1, None]},
        "ip": "10.0.0.1",
        "prev_hash": "0" * 64,
    }
    raw = rawsql.insert(AuditEvent(**fields, hash="a" * 64))
    orm = AuditEvent.objects.create(**fields, hash="b" * 64)
    assert raw.pk is not None and not raw._state.adding
    got, want = _stored(AuditEvent, raw.pk), _stored(AuditEvent, orm.pk)
    for row in (got, want):
        row.pop("id")
        row.pop("hash")
    assert got == want
    assert got["at"] == at and got["detail"] == {"中文": ["值", 1, None]}


def test_insert_fills_auto_now_add(world):
    before = timezone.now()
    rawsql.insert_many([Notification(user=world.street_chen, text=f"第{i}条") for i in range(3)])
    rows = list(Notification.objects.filter(user=world.street_chen, text__startswith="第").order_by("id"))
    assert [n.text for n in rows] == ["第0条", "第1条", "第2条"]
    assert all(n.created_at >= before for n in rows)


def test_insert_many_writes_more_rows_than_one_statement_holds(world):
    rawsql.insert_many([Notification(user=world.street_chen, text="批量") for _ in range(450)])
    assert Notification.objects.filter(user=world.street_chen, text="批量").count() == 450


def test_insert_many_refuses_mixed_models(world):
    with pytest.raises(TypeError):
        rawsql.insert_many([Notification(user=world.street_chen, text="x"), User(username="mixed")])


def test_a_model_with_save_receivers_is_refused():
    def receiver(**kwargs):
        pass

    post_save.connect(receiver, sender=Notification, dispatch_uid="test.rawsql")
    try:
        with pytest.raises(RuntimeError, match="signal"):
            rawsql.insert(Notification(user_id=1, text="x"))
    finally:
        post_save.disconnect(sender=Notification, dispatch_uid="test.rawsql")


def test_load_returns_the_instance_a_queryset_returns(world):
    from django.db import connection

    now = timezone.now()
    token = ApiToken.objects.create(
        user=world.street_chen, digest="d" * 64, last_used_at=now, expires_at=now + timedelta(hours=1)
    )
    with connection.cursor() as cursor:
        # Only names from the code and placeholders are formatted in; values are bound.
        cursor.execute(
            f"SELECT {rawsql.columns(ApiToken, 't')}, {rawsql.columns(User, 'u')} FROM access_apitoken t"  # noqa: S608
            " JOIN access_user u ON u.id = t.user_id WHERE t.id = %s",
            [token.pk],
        )
        row = cursor.fetchone()
    n = rawsql.width(ApiToken)
    loaded, user = rawsql.load(ApiToken, row[:n]), rawsql.load(User, row[n:])
    fresh = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert loaded.expires_at == fresh.expires_at and timezone.is_aware(loaded.expires_at)
    assert loaded.last_used_at == now
    assert user.is_active is True and user.is_superuser is False
    assert {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(fresh.user, f.attname) for f in User._meta.concrete_fields
    }
    assert not user._state.adding


def test_prepared_row_is_written_later_with_the_fields_left_open(world):
    from shequ.problems.models import ProblemEvent
    from shequ.problems.tests.helpers import report

    problem = report(world)
    row = rawsql.Prepared(
        ProblemEvent(
            action="note", to_status="reported", actor=world.street_chen, data={"k": "值"}, at=timezone.now()
        ),
        later=["problem_id"],
    )
    with pytest.raises(ValueError):
        row.insert()  # problem_id must be given
    event = row.insert(problem_id=problem.pk)
    stored = ProblemEvent.objects.get(pk=event.pk)
    assert (
        stored.problem_id == problem.pk and stored.data == {"k": "值"} and stored.actor == world.street_chen
    )
    with pytest.raises(ValueError):
        rawsql.Prepared(ProblemEvent(action="x"), later=["no_such_field"])


def test_a_row_whose_key_is_set_is_written_with_it_and_a_batch_stores_what_insert_stores(world):
    """``statement``/``done`` (a row sent in a batch) and a key taken beforehand, as the
    report does on PostgreSQL: the same stored values as ``insert`` and the ORM."""
    from django.db.models import Max

    def notice(text):
        return Notification(user=world.resident_wang, text=text, link="/x/")

    key = (Notification.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    ahead = notice("先取编号")
    ahead.pk = key
    written = rawsql.Prepared(ahead)
    other = rawsql.Prepared(notice("另一条"))
    results = rawsql.run([written.statement(), other.statement()])
    assert written.done(results[0]).pk == key and not written.obj._state.adding
    assert other.done(results[1]).pk == Notification.objects.get(text="另一条").pk
    orm = Notification.objects.create(user=world.resident_wang, text="先取编号", link="/x/")
    skip = {"id", "created_at"}
    assert {k: v for k, v in _stored(Notification, key).items() if k not in skip} == {
        k: v for k, v in _stored(Notification, orm.pk).items() if k not in skip
    }
    many = rawsql.insert_many_statements([notice("一"), notice("二")])
    assert len(many) == 1 and rawsql.run(many)[0][0] == 2
    assert rawsql.insert_many_statements([]) == []


def test_values_passed_as_they_are_are_those_the_fields_own_conversion_gives(world):
    """rawsql passes a plain field's value of the expected type unchanged; for every
    field of the hot path's rows it must be what ``get_db_prep_save`` makes of it, also
    for values of another type (an int for a float, a digit string for an integer)."""
    from django.db import connection

    from shequ.problems.models import Problem, ProblemCategory, ProblemEvent

    now = timezone.now()
    category = ProblemCategory.objects.first()
    area = world.areas["A1-1"]
    rows = [
        Problem(
            category=category,
            description="描述",
            source="resident",
            reporter=world.resident_wang,
            lon=117,
            lat=36.6,
            area=area,
            area_path=area.path,
            located=True,
            handling_level="community",
            responsible_role="community",
            ledger_type="env",
            month="202611",
            reported_at=now,
            rework_count="2",
            satisfaction=None,
            resolved=True,
            idempotency_key="k",
        ),
        ProblemEvent(
            problem_id=1, action="report", to_status="reported", actor=world.street_chen, data={}, at=now
        ),
        Notification(user_id=world.resident_wang.pk, text="通知", link=""),
        Problem.followers.through(problem_id=1, user_id=world.resident_wang.pk),
        AuditEvent(
            at=now, actor_id=None, actor_name="system", event="x", detail={"a": 1}, prev_hash="", hash=""
        ),
    ]

    def norm(value):
        return type(value), getattr(value, "obj", value)

    for obj in rows:
        fields = rawsql._fields(type(obj))
        full = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
        fast = rawsql._values(obj, fields, connection)
        # auto_now(_add) takes the time of each call; such a field is not passed as it is.
        kept = [
            i
            for i, f in enumerate(fields)
            if not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]
        # (psycopg's Jsonb wrapper has no equality of its own: compare what it wraps.)
        assert [norm(fast[i]) for i in kept] == [norm(full[i]) for i in kept], type(obj)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_on_server(text):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"])
        return cursor.fetchone()[0]


@postgres_only
def test_postgresql_statements_are_prepared_on_the_server_unless_turned_off(world, settings):
    """The hot paths' statements are parsed and planned once per connection; with
    SHEQU_PG_PREPARED off they go as text in one message, as before. Same answers."""

    def batch(tag):
        return [
            (f"SELECT %s::int + 1 AS {tag}", [1]),
            ("UPDATE access_user SET first_name = first_name WHERE id = %s", [world.resident_wang.pk]),
        ]

    assert rawsql.batched()
    first = rawsql.run(batch("prepared_tag"))
    assert rawsql.run(batch("prepared_tag")) == first == [(1, [(2,)]), (1, [])]
    assert _prepared_on_server("prepared_tag") == 1  # once, though run twice
    settings.PG_PREPARED_STATEMENTS = False
    assert rawsql.batched()
    assert rawsql.run(batch("text_tag")) == first
    assert _prepared_on_server("text_tag") == 0


@postgres_only
def test_postgresql_a_failing_statement_raises_what_the_orm_raises_and_stops_the_batch(world):
    from django.db import IntegrityError, transaction

    from shequ.points.tests.helpers import item as store_item

    item = store_item(world, name="大米", stock=1)  # its stock has a check: never below 0
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        rawsql.run(
            [
                ("UPDATE points_storeitem SET stock = -1 WHERE id = %s", [item.pk]),
                ("UPDATE points_storeitem SET name = %s WHERE id = %s", ["不该写入", item.pk]),
            ]
        )
    cause: Any = caught.value.__cause__  # psycopg's error, as the ORM leaves it
    assert cause.diag.constraint_name == "store_item_stock_not_negative"
    item.refresh_from_db()
    assert (item.stock, item.name) == (1, "大米")


@postgres_only
def test_postgresql_an_error_in_a_long_batch_is_raised_once_and_not_logged(world, caplog):
    """The error may come back while later statements are still being queued; it is
    raised as the ORM raises it, and psycopg logs no "pipeline aborted" warning for the
    statements the server skipped."""
    from django.db import IntegrityError, transaction

    from shequ.points.tests.helpers import item as store_item

    item = store_item(world, name="大米", stock=1)
    skipped = [("UPDATE points_storeitem SET name = %s WHERE id = %s", ["不该写入", item.pk])] * 300
    failing = ("UPDATE points_storeitem SET stock = -1 WHERE id = %s", [item.pk])
    logged = caplog.at_level("WARNING", logger="psycopg")
    with logged, pytest.raises(IntegrityError) as caught, transaction.atomic():
        rawsql.run([failing, *skipped])
    cause: Any = caught.value.__cause__
    assert cause.diag.constraint_name == "store_item_stock_not_negative"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
    item.refresh_from_db()
    assert (item.stock, item.name) == (1, "大米")
