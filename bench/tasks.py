"""Points and the store at scale, on the configured database:
- 16 concurrent clients redeeming one hot item until it is gone, against 16 clients
  running the bare conditional UPDATE (``stock = stock - 1 WHERE stock >= 1``) on a
  one-row table in the same run; oversell must be 0;
- the quarterly rankings of a community over 1,000,000 ledger entries (and the yearly
  star levels over the same entries), against the bare grouped SUM over the entries;
  the rankings read the earned totals kept beside the entries (rebuilt from them here,
  after the bulk load, as the reconcile job does)."""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta

from bench.common import emit, median, setup_django, timed

CLIENTS = 16
STOCK = int(os.environ.get("BENCH_REDEEM_STOCK", "3200"))
ENTRIES = int(os.environ.get("BENCH_LEDGER_ENTRIES", "1000000"))
ACCOUNTS = 5000
STREET = "990000004"


def bare_race(stock: int) -> float:
    """16 threads, each in its own connection and transaction per attempt, decrementing a
    one-row table until it is empty. Returns seconds."""
    from django.db import connection, transaction

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_hot_item")
        c.execute("CREATE TABLE bench_hot_item (id INTEGER PRIMARY KEY, stock INTEGER NOT NULL)")
        c.execute("INSERT INTO bench_hot_item (id, stock) VALUES (1, %s)", [stock])
    barrier = threading.Barrier(CLIENTS)
    taken = [0] * CLIENTS

    def client(n: int) -> None:
        try:
            barrier.wait()
            while True:
                with transaction.atomic(), connection.cursor() as c:
                    c.execute("UPDATE bench_hot_item SET stock = stock - 1 WHERE id = 1 AND stock >= 1")
                    if c.rowcount != 1:
                        break
                taken[n] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    with connection.cursor() as c:
        c.execute("SELECT stock FROM bench_hot_item WHERE id = 1")
        left = c.fetchone()[0]
        c.execute("DROP TABLE bench_hot_item")
    if sum(taken) != stock or left != 0:
        sys.exit(f"bare race: took {sum(taken)} of {stock}, {left} left")
    return seconds


def redemptions(vendor: str) -> None:
    from shequ.points import race

    field = race.prepare(CLIENTS, STOCK, price=1, funds=STOCK, limit=STOCK)
    outcome = race.run(field, rounds=STOCK)
    after = race.audit(field)
    if outcome.errors:
        sys.exit(f"redemption race errors: {outcome.errors}")
    oversell = after["quantity"] - STOCK
    base = bare_race(STOCK)
    rate, bare_rate = STOCK / outcome.seconds, STOCK / base
    emit(
        bench=f"redeem, 16 clients, 1 hot item ({vendor})",
        unit="orders/s",
        value=round(rate),
        baseline=round(bare_rate),
        ratio=round(rate / bare_rate, 2),
        target="≥ 0.5, 0 oversell",
        orders=after["orders"],
        oversell=oversell,
        stock_left=after["stock"],
        negative_balances=after["negative_balances"],
        unbalanced=len(after["unbalanced"]),
    )
    if oversell != 0 or after["stock"] != 0 or after["negative_balances"] or after["unbalanced"]:
        sys.exit(f"oversell or imbalance: {after}")


def build_ledger(total: int) -> None:
    """``total`` earning entries in one community over the last year, straight into the
    table (the rankings read only it)."""
    from django.db import connection
    from django.utils import timezone

    from shequ.access.models import User
    from shequ.access.services import add_user
    from shequ.areas.models import AreaKind
    from shequ.areas.services import create_area
    from shequ.points import services
    from shequ.points.models import Account, AccountKind, Transaction, TxnKind

    street = create_area(code=STREET, name="积分基准街道", kind=AreaKind.STREET, parent=None)
    community = create_area(code=f"{STREET}001", name="积分基准社区", kind=AreaKind.COMMUNITY, parent=street)
    admin = add_user(
        "tbench_admin", "bench-pass-2026", role="street_admin", area_code=STREET, check_password=False
    )
    users = [User(username=f"tbench-{n}") for n in range(ACCOUNTS)]
    for u in users:
        u.set_unusable_password()
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(username__startswith="tbench-"))
    accounts = [
        Account(
            kind=AccountKind.PARTY_MEMBER if n % 5 == 0 else AccountKind.RESIDENT,
            user=u,
            area=community,
            area_path=community.path,
            name=f"居民{n}",
        )
        for n, u in enumerate(users)
    ]
    Account.objects.bulk_create(accounts, batch_size=2000)
    issuer = services.issuer_for(community)
    now = timezone.now()
    txn = Transaction.objects.create(
        kind=TxnKind.OPENING,
        memo="基准",
        community=community,
        area_path=community.path,
        created_by=admin,
        created_at=now,
    )
    rows = list(Account.objects.filter(area=community).exclude(pk=issuer.pk).values_list("pk", "kind"))
    rng = random.Random(7)
    sql = (
        "INSERT INTO points_entry (transaction_id, account_id, amount, kind, earning, area_path, "
        "account_kind, at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    batch = []
    with connection.cursor() as c:
        for _ in range(total):
            pk, kind = rows[rng.randrange(len(rows))]
            at = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
            batch.append((txn.pk, pk, rng.choice((5, 10, 20, 40)), "award", True, community.path, kind, at))
            if len(batch) == 20000:
                c.executemany(sql, batch)
                batch = []
        if batch:
            c.executemany(sql, batch)
    # The earned totals the rankings read, rebuilt from the entries (the reconcile job).
    services.rebuild_earnings()


def rankings(vendor: str) -> None:
    from django.db import connection

    from shequ.areas.models import Area
    from shequ.points import selectors
    from shequ.points.models import AccountKind, Entry

    if not Area.objects.filter(code=f"{STREET}001").exists():
        started = time.perf_counter()
        build_ledger(ENTRIES)
        seconds = time.perf_counter() - started
        emit(
            bench=f"generate {ENTRIES:,} ledger entries ({vendor})",
            unit="rows/s",
            value=round(ENTRIES / seconds),
        )
        with connection.cursor() as c:
            c.execute("ANALYZE")
    community = Area.objects.get(code=f"{STREET}001")
    total = Entry.objects.filter(area_path=community.path).count()
    # The last full quarter: a quarter's worth of the year's entries.
    year, quarter = selectors.current_quarter(datetime.now().date())
    year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    start, end = selectors.quarter_range(year, quarter)
    bare_sql = (
        "SELECT account_id, SUM(amount) AS t FROM points_entry WHERE earning AND area_path = %s "
        "AND account_kind = %s AND at >= %s AND at < %s GROUP BY account_id ORDER BY t DESC LIMIT 10"
    )

    def bare() -> None:
        with connection.cursor() as c:
            c.execute(bare_sql, [community.path, AccountKind.RESIDENT, start, end])
            c.fetchall()

    def ranked() -> None:
        selectors.ranking(community, AccountKind.RESIDENT, year, quarter)
        selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter)

    ranked()
    bare()
    value = median(timed(ranked, 5))
    base = median(timed(bare, 5))
    emit(
        bench=f"quarterly rankings, both lists ({vendor})",
        unit="ms",
        value=round(value * 1000, 1),
        baseline=round(base * 1000, 1),
        ratio=round(value / base, 2),
        target="≤ 1000 ms",
        entries=total,
    )
    stars = median(timed(lambda: selectors.star_volunteers(community, year), 3))
    emit(bench=f"yearly star levels ({vendor})", unit="ms", value=round(stars * 1000, 1), entries=total)


def main() -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    only = os.environ.get("BENCH_TASKS_PARTS", "redeem,rankings").split(",")
    if "redeem" in only:
        redemptions(vendor)
    if "rankings" in only:
        rankings(vendor)


if __name__ == "__main__":
    main()
