"""A generated registry of 1,000,000 residents on the configured database:
street statistics against the bare grouped COUNT, and resident list/search latency."""

from __future__ import annotations

import os
import random
import sys
import time

from bench.common import emit, median, p95, setup_django, timed

STREET = "990000001"
COMMUNITIES = 20
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "1000000"))


def build() -> float:
    from shequ.areas.models import Area, AreaKind
    from shequ.areas.services import create_area
    from shequ.demo.generator import build_street
    from shequ.demo.streets import StreetPlan

    street = create_area(code=STREET, name="基准街道", kind=AreaKind.STREET, parent=None)
    names = tuple(f"基准{i + 1:02d}社区" for i in range(COMMUNITIES))
    for i, name in enumerate(names):
        create_area(code=f"{STREET}{i + 1:03d}", name=name, kind=AreaKind.COMMUNITY, parent=street)
    plan = StreetPlan(
        code=STREET,
        communities=names,
        households=RESIDENTS * 4 // 10,
        residents=RESIDENTS,
        grids_per_community=(10,) * COMMUNITIES,
        party_branches_per_community=(5,) * COMMUNITIES,
        party_members=RESIDENTS // 30,
        buildings=RESIDENTS // 100,
        building_heads=0,
        grid_stations=False,
        centre=(116.4, 39.9),
        floating_share=0.12,
        region="110105",
    )
    started = time.perf_counter()
    build_street(plan, random.Random(1))
    assert Area.objects.filter(code=STREET).exists()
    return time.perf_counter() - started


def main() -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from shequ.access.models import User
    from shequ.access.services import add_user
    from shequ.areas.models import Area
    from shequ.core import fieldcrypt
    from shequ.people.models import Resident
    from shequ.reports.selectors import compute, totals

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    if not Resident.objects.filter(area_path__startswith=f"/{STREET}/").exists():
        Area.objects.filter(code__startswith=STREET).exists() and sys.exit(
            "a half-built bench registry is in the way: drop the bench database and run again"
        )
        seconds = build()
        emit(
            bench=f"generate {RESIDENTS:,} residents ({vendor})",
            unit="rows/s",
            value=round(RESIDENTS / seconds),
            seconds=round(seconds, 1),
        )
    if vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    street = Area.objects.get(code=STREET)

    # Street statistics vs the bare grouped count over the same rows.
    width = len(Area.objects.filter(parent=street).first().path)
    upper = street.path[:-1] + "0"
    bare_sql = (
        "SELECT substr(area_path, 1, %s) AS g, COUNT(*) FROM people_resident "
        "WHERE area_path >= %s AND area_path < %s GROUP BY g"
    )

    def bare() -> None:
        with connection.cursor() as c:
            c.execute(bare_sql, [width, street.path, upper])
            c.fetchall()

    compute(street)
    bare()
    api = median(timed(lambda: totals(street), 7))
    board = median(timed(lambda: compute(street), 7))
    base = median(timed(bare, 7))
    total = totals(street)
    assert total.residents == compute(street).total.residents == RESIDENTS, total
    emit(
        bench=f"street stats API, 9 totals ({vendor})",
        unit="ms",
        value=round(api * 1000, 1),
        baseline=round(base * 1000, 1),
        ratio=round(api / base, 2),
        target="≤ 1.5×",
        residents=total.residents,
    )
    emit(
        bench=f"street dashboard, totals + 20 rows ({vendor})",
        unit="ms",
        value=round(board * 1000, 1),
        baseline=round(base * 1000, 1),
        ratio=round(board / base, 2),
        target="≤ 1.5×",
    )

    # Resident list and search through the API, as a street admin.
    if not User.objects.filter(username="bench_admin").exists():
        add_user(
            "bench_admin", "bench-pass-2026", role="street_admin", area_code=STREET, check_password=False
        )
    client = Client()
    client.force_login(User.objects.get(username="bench_admin"))
    rng = random.Random(3)
    ids = (
        list(
            Resident.objects.filter(area_path__gte=street.path, area_path__lt=upper)
            .order_by("?")
            .values_list("id", flat=True)[:60]
        )
        if vendor == "postgresql"
        else [rng.randrange(1, RESIDENTS) for _ in range(60)]
    )
    sample = list(Resident.objects.filter(id__in=ids))
    if len(sample) < 20:
        sys.exit(f"only {len(sample)} sample residents found")
    community = Area.objects.filter(parent=street).order_by("path")[5]
    queries = {
        "list street": [{} for _ in range(30)],
        "list community": [{"area": community.code} for _ in range(30)],
        "search name": [{"q": r.name} for r in sample[:40]],
        "search initials": [{"q": r.name_initials} for r in sample[:40]],
        "search id number": [{"q": fieldcrypt.decrypt(r.id_number_enc, "id_number")} for r in sample[:40]],
    }

    def bare_page() -> None:
        with connection.cursor() as c:
            c.execute("SELECT id, name, area_path FROM people_resident ORDER BY area_path, id LIMIT 50")
            c.fetchall()

    bare_ms = median(timed(bare_page, 30)) * 1000
    for label, params in queries.items():
        samples = []
        for p in params:
            start = time.perf_counter()
            response = client.get("/api/v1/residents/", p)
            samples.append(time.perf_counter() - start)
            if response.status_code != 200:
                sys.exit(f"{label}: HTTP {response.status_code}")
        value = p95(samples) * 1000
        emit(
            bench=f"resident {label} p95 ({vendor})",
            unit="ms",
            value=round(value, 1),
            baseline=round(bare_ms, 2),
            ratio=round(value / bare_ms, 1),
            target="≤ 150 ms",
        )


if __name__ == "__main__":
    main()
