"""The redemption's hand-written statements (decision 0005) keep every guarantee of the
ORM version: an audit row that extends the hash chain, nothing written by a refused
attempt, the issuer paid in a balanced transaction, and a repeated key answered with
the first order whatever check the repeat runs into."""

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from shequ.access import audit
from shequ.access.models import AuditEvent, User
from shequ.core import rawsql
from shequ.points import race, services
from shequ.points.models import Account, Entry, Order, OrderEvent, StoreItem, Transaction
from shequ.points.services import Refused
from shequ.points.tests.helpers import fund, item, redeem
from shequ.testing.threads import in_own_connection

pytestmark = pytest.mark.django_db


def issuer_balance(world):
    return Account.objects.get(kind="issuer", area=world.areas["A1"]).balance


def test_a_redemption_appends_one_audit_row_to_an_intact_chain(world):
    fund(world, world.resident_wang, 100)
    rice = item(world, stock=5)
    before = AuditEvent.objects.count()
    previous = AuditEvent.objects.order_by("-id")[0]
    order = redeem(world.resident_wang, rice)
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.order_by("-id")[0]
    assert (row.event, row.object_type, row.object_id) == ("store.redeem", "order", str(order.pk))
    assert row.actor_id == world.resident_wang.pk and row.area_path == order.area_path
    assert row.prev_hash == previous.hash
    assert audit.verify_chain().intact


def test_the_hash_the_database_computes_is_the_digest_the_chain_check_computes(world):
    row = audit.record(world.street_chen, "test.sql_hash", detail={"名称": "大米", "n": 2, "x": [1, "二"]})
    stored = AuditEvent.objects.get(pk=row.pk)
    assert stored.hash == row.hash
    assert stored.hash == audit._digest(stored.prev_hash, stored.at, audit._content(stored))
    first = audit.record(None, "test.sql_hash_system")
    assert AuditEvent.objects.get(pk=first.pk).prev_hash == row.hash
    assert audit.verify_chain().intact


def test_a_refused_redemption_writes_nothing(world):
    fund(world, world.resident_wang, 100)
    rice = item(world, stock=1, limit=5)
    counts = [m.objects.count() for m in (Order, Transaction, Entry, OrderEvent, AuditEvent)]
    paid = issuer_balance(world)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice, 2)  # the stock is the last check, after every insert
    assert exc.value.code == "out_of_stock"
    assert [m.objects.count() for m in (Order, Transaction, Entry, OrderEvent, AuditEvent)] == counts
    assert Account.objects.get(user=world.resident_wang).balance == 100
    assert issuer_balance(world) == paid and StoreItem.objects.get(pk=rice.pk).stock == 1


def test_the_issuer_is_paid_in_a_balanced_transaction(world):
    fund(world, world.resident_wang, 100)
    paid = issuer_balance(world)
    order = redeem(world.resident_wang, item(world, price=30), 2)
    assert issuer_balance(world) == paid + 60
    txn = Transaction.objects.get(order=order, kind="redeem")
    entries = {e.account_kind: e for e in txn.entries.all()}
    assert (entries["resident"].amount, entries["issuer"].amount) == (-60, 60)
    assert txn.entries.aggregate(n=Sum("amount"))["n"] == 0
    assert {e.at for e in entries.values()} == {txn.created_at}
    assert list(order.events.values_list("action", "to_status")) == [("place", "placed")]
    # The order returned is the one stored.
    stored = Order.objects.get(pk=order.pk)
    assert (stored.points, stored.quantity, stored.window, stored.created_at) == (
        order.points,
        order.quantity,
        order.window,
        order.created_at,
    )


def test_a_repeated_key_returns_the_first_order_whatever_check_the_repeat_meets(world):
    fund(world, world.resident_wang, 30)
    rice = item(world, price=30, stock=5, limit=1)
    first, created = services.redeem(
        world.resident_wang, services.OrderInput(item=rice.pk, idempotency_key="k")
    )
    assert created
    # The repeat is now over the limit and short of points: still the first order.
    again, created = services.redeem(
        world.resident_wang, services.OrderInput(item=rice.pk, idempotency_key="k")
    )
    assert (again.pk, created) == (first.pk, False)
    # And after the item has been taken off the shelf.
    services.set_item_active(world.secretary_zhang, rice.pk, False)
    again, created = services.redeem(
        world.resident_wang, services.OrderInput(item=rice.pk, idempotency_key="k")
    )
    assert (again.pk, created) == (first.pk, False)
    assert Order.objects.filter(user=world.resident_wang).count() == 1
    # A new key meets the refusal itself: the buyer's own store's item, 已下架.
    with pytest.raises(Refused) as exc:
        services.redeem(world.resident_wang, services.OrderInput(item=rice.pk, idempotency_key="k2"))
    assert exc.value.code == "withdrawn"


def test_over_the_limit_is_named_before_short_of_points(world):
    fund(world, world.resident_wang, 30)
    rice = item(world, price=30, stock=5, limit=1)
    redeem(world.resident_wang, rice)
    with pytest.raises(Refused) as exc:  # both over the limit and without points
        redeem(world.resident_wang, rice)
    assert exc.value.code == "over_limit"


def test_short_of_points_is_named_when_the_limit_leaves_room(world):
    fund(world, world.resident_wang, 20)
    rice = item(world, price=30, stock=5, limit=1)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice)
    assert exc.value.code == "insufficient_points"
    assert not Order.objects.filter(user=world.resident_wang, item=rice).exists()


def test_a_first_redemption_opens_the_buyers_account(world):
    buyer = world.users["resident@A1-1-h2"]
    assert not Account.objects.filter(user=buyer).exists()
    with pytest.raises(Refused) as exc:
        redeem(buyer, item(world))
    assert exc.value.code == "insufficient_points"
    assert Account.objects.get(user=buyer).balance == 0


def test_rawsql_runs_statements_in_order_with_their_counts_and_rows(world):
    rice = item(world, stock=5)
    results = rawsql.run(
        [
            ("UPDATE points_storeitem SET stock = stock - 1 WHERE id = %s AND stock >= %s", [rice.pk, 1]),
            ("UPDATE points_storeitem SET stock = stock - 1 WHERE id = %s AND stock >= %s", [rice.pk, 99]),
            ("SELECT stock, name FROM points_storeitem WHERE id = %s", [rice.pk]),
        ]
    )
    assert [count for count, _ in results[:2]] == [1, 0]
    assert results[2][1] == [(4, "大米 5kg")]


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the last batch commits only on PostgreSQL"
)


@pytest.fixture(scope="module")
def pg_one_left(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return race.prepare(2, 1, price=10, funds=100, limit=5)


@postgres_only
@pytest.mark.django_db
def test_postgresql_a_redemption_of_its_own_commits_and_the_sold_out_one_writes_nothing(pg_one_left):
    field = pg_one_left
    buyer = User.objects.get(pk=field.user_ids[0])
    audit_rows = AuditEvent.objects.count()
    first = in_own_connection(lambda: services.redeem(buyer, services.OrderInput(item=field.item_id)))
    assert first["value"][1] is True
    second = in_own_connection(lambda: services.redeem(buyer, services.OrderInput(item=field.item_id)))
    assert isinstance(second["error"], Refused) and second["error"].code == "out_of_stock"
    after = race.audit(field)
    assert (after["orders"], after["stock"], after["first_balance"], after["unbalanced"]) == (1, 0, 90, [])
    assert AuditEvent.objects.count() == audit_rows + 1 and audit.verify_chain().intact


@pytest.fixture(scope="module")
def pg_refusals(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # A 30-point item, two per person, for someone with 100 points; and one they
        # cannot afford.
        return race.prepare(1, 5, price=30, funds=100, limit=2), race.prepare(
            1, 5, price=150, funds=100, limit=5
        )


@postgres_only
@pytest.mark.django_db
def test_postgresql_a_refusal_of_its_own_transaction_writes_nothing(pg_refusals):
    """Outside a caller's transaction the redemption is one batch whose checks fail as
    constraints: the points taken before the limit's check are given back with the rest."""
    within, too_dear = pg_refusals
    audit_rows = AuditEvent.objects.count()

    def order(field):
        buyer = User.objects.get(pk=field.user_ids[0])
        return in_own_connection(lambda: services.redeem(buyer, services.OrderInput(item=field.item_id)))

    assert order(within)["value"][1] is True and order(within)["value"][1] is True
    third = order(within)["error"]  # enough points (40) for a third, but not the limit
    assert isinstance(third, Refused) and third.code == "over_limit"
    assert "已兑 2 件" in third.message
    after = race.audit(within)
    assert (after["orders"], after["stock"], after["first_balance"], after["unbalanced"]) == (2, 3, 40, [])

    refused = order(too_dear)["error"]
    assert isinstance(refused, Refused) and refused.code == "insufficient_points"
    assert "当前余额 100 分" in refused.message
    after = race.audit(too_dear)
    assert (after["orders"], after["stock"], after["first_balance"]) == (0, 5, 100)
    assert AuditEvent.objects.count() == audit_rows + 2 and audit.verify_chain().intact


def test_a_refusal_inside_a_callers_transaction_leaves_it_usable(world):
    """A refused redemption undoes only itself: the caller's transaction goes on."""
    fund(world, world.resident_wang, 20)
    rice = item(world, price=30, stock=5)
    with transaction.atomic():
        with pytest.raises(Refused):
            redeem(world.resident_wang, rice)
        rice.refresh_from_db()  # a statement after the refusal, in the same transaction
        assert rice.stock == 5


@pytest.fixture(scope="module")
def pg_nested(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return race.prepare(1, 3, price=10, funds=100, limit=5)


@postgres_only
@pytest.mark.django_db
def test_postgresql_a_redemption_inside_a_callers_transaction_is_undone_with_it(pg_nested):
    field = pg_nested
    buyer = User.objects.get(pk=field.user_ids[0])

    class Undo(Exception):
        pass

    def nested():
        with transaction.atomic():
            services.redeem(buyer, services.OrderInput(item=field.item_id))
            raise Undo

    assert isinstance(in_own_connection(nested)["error"], Undo)
    after = race.audit(field)
    assert (after["orders"], after["stock"], after["first_balance"]) == (0, 3, 100)
