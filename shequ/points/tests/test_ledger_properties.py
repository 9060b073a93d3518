"""Property tests (hypothesis): any sequence of awards, redemptions, cancellations and
reversals keeps every transaction summing to zero, no balance but the issuer's below
zero, every cached balance equal to the sum of its entries, and stock never below zero
(stock + what live orders hold = what was stocked)."""

from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shequ.core.errors import DomainError
from shequ.points import services
from shequ.points.models import (
    Account,
    AccountKind,
    EarningTotal,
    Entry,
    Order,
    OrderStatus,
    StoreItem,
    Transaction,
)
from shequ.tasks.tests.helpers import make_task

pytestmark = pytest.mark.django_db

USERS = ["resident@A1-1-h1", "resident@A1-1-h2", "resident@A1-2-h1", "resident@A1-2-h2"]
STOCK = 6

operation = st.one_of(
    st.tuples(st.just("award"), st.integers(0, 3), st.integers(1, 60)),
    st.tuples(st.just("redeem"), st.integers(0, 3), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0)),
)


class Rollback(Exception):
    pass


def check_invariants(item_pk):
    for txn_id, total in (
        Transaction.objects.values("pk").annotate(t=Sum("entries__amount")).values_list("pk", "t")
    ):
        assert total == 0, txn_id
    sums = dict(Entry.objects.values("account").annotate(t=Sum("amount")).values_list("account", "t"))
    for account in Account.objects.all():
        assert account.balance == (sums.get(account.pk) or 0), account
        if account.kind != AccountKind.ISSUER:
            assert account.balance >= 0, account
    totals = {(a, p): e for a, p, e in EarningTotal.objects.values_list("account", "period", "earned") if e}
    assert totals == {k: v for k, v in services.earnings_from_entries().items() if v}
    item = StoreItem.objects.get(pk=item_pk)
    held = (
        Order.objects.filter(item=item)
        .exclude(status=OrderStatus.CANCELLED)
        .aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    assert item.stock >= 0 and item.stock + held == STOCK


# One sequence that does each thing once, run before the random ones: awards, a
# redemption, its cancellation, a reversal, and a redemption refused for want of points.
EVERY_KIND = [("award", 0, 40), ("award", 1, 10), ("redeem", 0, 1), ("cancel", 0, 0), ("reverse", 1, 0)]
EVERY_KIND += [("redeem", 2, 3)]


def test_ledger_invariants_hold_for_any_sequence(world):
    done: Counter[str] = Counter()

    @example(ops=EVERY_KIND)
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(ops=st.lists(operation, min_size=1, max_size=14))
    def run(ops):
        try:
            with transaction.atomic():
                _apply(world, ops, done)
                raise Rollback
        except Rollback:
            pass

    run()
    # The invariants were checked after operations that took effect, of every kind, and
    # after refusals: not only over sequences that every service turned down.
    assert {"award", "redeem", "cancel", "reverse", "refused"} <= {k for k, n in done.items() if n}, done


def _apply(world, ops, done):
    users = [world.users[k] for k in USERS]
    task = make_task(world, title="属性测试任务")
    item = services.create_item(
        world.secretary_zhang,
        services.ItemInput(
            name="属性测试米", price=20, stock=STOCK, per_person_limit=99, area=world.areas["A1"].code
        ),
    )
    awards: list[int] = []
    orders: list[int] = []
    for kind, who, amount in ops:
        try:
            with transaction.atomic():
                if kind == "award":
                    account = services.account_for_user(users[who])
                    txn = services.award(
                        world.secretary_zhang, task=task, account=account, points=amount, memo="属性测试"
                    )
                    awards.append(txn.pk)
                elif kind == "redeem":
                    order, _ = services.redeem(users[who], services.OrderInput(item=item.pk, quantity=amount))
                    orders.append(order.pk)
                elif kind == "cancel" and orders:
                    order = Order.objects.get(pk=orders[who % len(orders)])
                    services.transition_order(
                        order.user, order.pk, services.OrderTransitionInput(action="cancel")
                    )
                elif kind == "reverse" and awards:
                    services.reverse(world.secretary_zhang, awards[who % len(awards)], "属性测试冲正")
                else:
                    continue
            done[kind] += 1
        except DomainError:
            done["refused"] += 1  # a refusal (积分不足, 库存不足, already cancelled...) changes nothing
        check_invariants(item.pk)
