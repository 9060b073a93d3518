"""Many clients redeeming one hot item at once: shared by the concurrency tests and the
benchmark. ``python -m shequ.points.race --stock 5 --clients 16`` runs one race on the
database named by SHEQU_DATABASE_URL (migrating it first) and prints the outcome as JSON,
so the SQLite test can race on a real file instead of the shared in-memory database."""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Field:
    item_id: int
    user_ids: list[int]
    community_code: str


@dataclass
class Outcome:
    placed: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "placed": self.placed,
            "refused": dict(self.refused),
            "errors": self.errors[:5],
            "seconds": self.seconds,
        }


def prepare(clients: int, stock: int, *, price: int = 10, funds: int = 1000, limit: int = 1) -> Field:
    """A fresh street, community, household, ``clients`` funded residents and one item."""
    from shequ.access.services import add_user
    from shequ.areas.models import AreaKind
    from shequ.areas.services import create_area
    from shequ.people.services import register_household
    from shequ.points import services

    tag = uuid.uuid4().int % 10**6
    street = create_area(code=f"98{tag:06d}0", name=f"并发街道{tag}", kind=AreaKind.STREET, parent=None)
    community = create_area(code=f"{street.code}001", name="并发社区", kind=AreaKind.COMMUNITY, parent=street)
    grid = create_area(code=f"{community.code}001", name="并发网格", kind=AreaKind.GRID, parent=community)
    building = create_area(code=f"{grid.code}001", name="1号楼", kind=AreaKind.BUILDING, parent=grid)
    household = register_household(building=building, address="1单元101")
    staff = add_user(
        f"race-staff-{tag}",
        "race-pass-2026",
        role="community_secretary",
        area_code=community.code,
        check_password=False,
    )
    users = []
    for n in range(clients):
        user = add_user(
            f"race-{tag}-{n}",
            "race-pass-2026",
            role="resident",
            area_code=household.code,
            check_password=False,
        )
        services.opening_balance(staff, user, funds, "并发测试期初积分")
        users.append(user.pk)
    item = services.create_item(
        staff,
        services.ItemInput(
            name="大米 5kg", price=price, stock=stock, per_person_limit=limit, area=community.code
        ),
    )
    return Field(item.pk, users, community.code)


def run(
    f: Field, *, rounds: int = 1, key_prefix: str = "", one_user_key: str = "", one_user: bool = False
) -> Outcome:
    """Every user in its own thread and connection tries ``rounds`` redemptions of one
    item at the same moment. With ``key_prefix`` every user sends the same key each round
    (a retried request); with ``one_user_key`` every thread sends the first user's one
    request with that key (a request retried from many connections at once); with
    ``one_user`` every thread sends a different request of the first user (one person
    spending the same points from many devices)."""
    from django.db import connection

    from shequ.access.models import User
    from shequ.core.errors import DomainError
    from shequ.points import services

    outcome = Outcome()
    lock = threading.Lock()
    barrier = threading.Barrier(len(f.user_ids))

    def client(user_id: int) -> None:
        try:
            user = User.objects.get(pk=f.user_ids[0] if one_user_key or one_user else user_id)
            barrier.wait()
            for _ in range(rounds):
                key = one_user_key or (f"{key_prefix}{user_id}" if key_prefix or one_user else "")
                try:
                    _, created = services.redeem(
                        user, services.OrderInput(item=f.item_id, quantity=1, idempotency_key=key)
                    )
                    with lock:
                        outcome.placed += int(created)
                except DomainError as exc:
                    with lock:
                        outcome.refused[exc.code] += 1
                    if exc.code == "out_of_stock":
                        break
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            with lock:
                outcome.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(pk,)) for pk in f.user_ids]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcome.seconds = time.perf_counter() - started
    return outcome


def audit(f: Field) -> dict[str, Any]:
    """What the database says after a race: stock, orders, negative balances."""
    from django.db.models import Sum

    from shequ.points.models import Account, Order, StoreItem, Transaction

    item = StoreItem.objects.get(pk=f.item_id)
    orders = Order.objects.filter(item=item)
    unbalanced = [
        pk
        for pk, total in Transaction.objects.filter(order__item=item)
        .values("pk")
        .annotate(t=Sum("entries__amount"))
        .values_list("pk", "t")
        if total != 0
    ]
    return {
        "stock": item.stock,
        "orders": orders.count(),
        "quantity": orders.aggregate(n=Sum("quantity"))["n"] or 0,
        "negative_balances": Account.objects.filter(user_id__in=f.user_ids, balance__lt=0).count(),
        "first_balance": Account.objects.filter(user_id=f.user_ids[0])
        .values_list("balance", flat=True)
        .first(),
        "unbalanced": unbalanced,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stock", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--same-key", action="store_true", help="every client retries its own request")
    parser.add_argument("--one-key", action="store_true", help="every client sends one user's request")
    parser.add_argument(
        "--one-user",
        action="store_true",
        help="every client sends one user's own new request; 1 order affordable",
    )
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.one_user:  # 10 points, a 10-point item, a limit that does not bind
        f = prepare(args.clients, args.stock, price=10, funds=10, limit=99)
    else:
        f = prepare(args.clients, args.stock, limit=1)
    outcome = run(
        f,
        rounds=3 if args.same_key else 1,
        key_prefix="retry-" if args.same_key else "",
        one_user_key="one-request" if args.one_key else "",
        one_user=args.one_user,
    )
    print("RACE " + json.dumps({**outcome.as_dict(), **audit(f)}))


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    main()
