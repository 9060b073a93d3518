"""The problem list at scale, on the configured database:
- create throughput and p99 under gunicorn against a bare one-insert endpoint;
- triage board and API list p95 over 1,000,000 problems;
- street status counts against the raw GROUP BY;
- the monthly report of a street with 100,000 problems in the month.

BENCH_PROBLEMS_PARTS=create measures the create alone, on the area and users only (the
million problems are not generated); the default is "lists,create"."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench.common import emit, median, p95, setup_django, timed

STREET = "990000002"
TOTAL = int(os.environ.get("BENCH_PROBLEMS", "1000000"))
REPORT_MONTH_SHARE = 100_000
PORT = int(os.environ.get("BENCH_PORT", "8799"))
# BENCH_PROBLEMS_PARTS=create runs only the create throughput (no million-row registry).
PARTS = set(filter(None, os.environ.get("BENCH_PROBLEMS_PARTS", "lists,create").split(",")))
ROOT = Path(__file__).resolve().parent.parent


def build_area() -> None:
    from shequ.access.services import add_user
    from shequ.areas.models import AreaKind
    from shequ.areas.services import create_area
    from shequ.people.services import ResidentInput, register_household, register_resident

    street = create_area(code=STREET, name="问题基准街道", kind=AreaKind.STREET, parent=None)
    for c in range(20):
        community = create_area(
            code=f"{STREET}{c + 1:03d}", name=f"基准{c + 1}社区", kind=AreaKind.COMMUNITY, parent=street
        )
        for g in range(10):
            x, y = 110.0 + c * 0.01, 30.0 + g * 0.001
            ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.001], [x, y + 0.001], [x, y]]
            grid = create_area(
                code=f"{community.code}{g + 1:03d}",
                name=f"网格{c + 1}-{g + 1}",
                kind=AreaKind.GRID,
                parent=community,
                geometry={"type": "Polygon", "coordinates": [ring]},
            )
            if c == 0 and g == 0:
                building = create_area(
                    code=f"{grid.code}001", name="1号楼", kind=AreaKind.BUILDING, parent=grid
                )
                household = register_household(building=building, address="1单元101")
                register_resident(
                    ResidentInput(name="基准居民", id_number="11010519491231002X", relation="head"), household
                )
    add_user("pbench_admin", "bench-pass-2026", role="street_admin", area_code=STREET, check_password=False)
    from shequ.people.models import Household

    add_user(
        "pbench_resident",
        "bench-pass-2026",
        role="resident",
        area_code=Household.objects.get(building__code=f"{STREET}001001001").code,
        check_password=False,
    )


def generate(total: int) -> float:
    """Problem rows straight into the table (the lists and counts read only these)."""
    from django.utils import timezone

    from shequ.access.models import User
    from shequ.areas.models import Area
    from shequ.problems.models import OPEN_STATUSES, Problem, ProblemCategory, Status

    rng = random.Random(5)
    grids = list(Area.objects.filter(kind="grid", path__startswith=f"/{STREET}/"))
    categories = list(ProblemCategory.objects.all())
    reporter = User.objects.get(username="pbench_admin")
    now = timezone.now()
    report_month_start = (
        timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    ).replace(day=1)
    # As in a real street (and in the demo): what is still open was mostly reported in
    # the last weeks; of older problems about 1 % were left open and are long overdue.
    recent = [Status.EVALUATED] * 3 + [Status.CLOSED] * 2 + list(OPEN_STATUSES) * 2 + [Status.REJECTED]
    older = [Status.EVALUATED] * 70 + [Status.CLOSED] * 22 + [Status.REJECTED] * 7 + [Status.IN_PROGRESS]
    started = time.perf_counter()
    batch = []
    for i in range(total):
        if i < REPORT_MONTH_SHARE:
            reported = report_month_start + timedelta(seconds=rng.uniform(0, 27 * 86400))
        else:
            reported = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        grid = rng.choice(grids)
        category = rng.choice(categories)
        status = rng.choice(recent if now - reported < timedelta(days=40) else older)
        due = reported + timedelta(days=rng.choice([1, 7, 15]))
        closed = (
            due - timedelta(hours=rng.uniform(-48, 100))
            if status in (Status.CLOSED, Status.EVALUATED)
            else None
        )
        batch.append(
            Problem(
                category=category,
                description="基准问题",
                source="resident",
                reporter=reporter,
                area=grid,
                area_path=grid.path,
                status=status,
                handling_level=category.handling_level,
                responsible_role=category.responsible_role,
                ledger_type=category.ledger_type,
                month=f"{timezone.localtime(reported):%Y%m}",
                reported_at=reported,
                responded_at=reported + timedelta(hours=3),
                dispatched_at=reported + timedelta(hours=4),
                due_at=due,
                closed_at=closed,
                satisfaction=rng.randint(1, 5) if status == Status.EVALUATED else None,
                resolved=True if status == Status.EVALUATED else None,
            )
        )
        if len(batch) == 5000:
            Problem.objects.bulk_create(batch)
            batch = []
    Problem.objects.bulk_create(batch)
    return time.perf_counter() - started


def load(
    url: str, body: dict | None, headers: dict, seconds: float, clients: int
) -> tuple[float, float, int]:
    """``clients`` threads POSTing for ``seconds``: (requests/s, p99 seconds, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        k = 0
        while time.perf_counter() < stop:
            k += 1
            payload = json.dumps(body or {"n": k}).encode()
            hdrs = {
                "Content-Type": "application/json",
                **headers,
                "Idempotency-Key": f"w{n}-{k}-{time.time_ns()}",
            }
            request = urllib.request.Request(url, data=payload, headers=hdrs, method="POST")  # noqa: S310
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
                    response.read()
                    ok = response.status in (200, 201)
            except Exception:  # noqa: BLE001
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration = time.perf_counter() - began
    ordered = sorted(latencies)
    p99 = ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")
    return len(latencies) / duration, p99, errors[0]


def create_throughput(vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare (id %s PRIMARY KEY, at VARCHAR(40), payload TEXT)"
            % ("INTEGER" if vendor == "sqlite" else "BIGSERIAL")
        )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings_bare", "SHEQU_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shequ.wsgi:application",
            "--chdir",
            str(ROOT),
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).read()  # noqa: S310 - loopback only
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.2)
        token_request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{base}/api/v1/auth/token",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "pbench_resident", "password": "bench-pass-2026"}).encode(),
        )
        with urllib.request.urlopen(token_request) as r:  # noqa: S310 - loopback only
            token = json.loads(r.read())["token"]
        body = {"category": "garbage", "description": "基准：垃圾未清运", "lon": 110.005, "lat": 30.0005}
        auth = {"Authorization": f"Bearer {token}"}
        load(f"{base}/api/v1/problems/", body, auth, 2, 4)  # warm both workers
        load(f"{base}/bench/insert/", None, {}, 2, 4)
        ours, ours_p99, ours_err = load(f"{base}/api/v1/problems/", body, auth, 10, 8)
        bare, bare_p99, bare_err = load(f"{base}/bench/insert/", None, {}, 10, 8)
    finally:
        server.terminate()
        server.wait(10)
    emit(
        bench=f"problem create, 8 clients ({vendor})",
        unit="req/s",
        value=round(ours),
        baseline=round(bare),
        ratio=round(ours / bare, 2),
        target="≥ 0.5 of bare",
        errors=ours_err + bare_err,
    )
    emit(
        bench=f"problem create p99 ({vendor})",
        unit="ms",
        value=round(ours_p99 * 1000, 1),
        baseline=round(bare_p99 * 1000, 1),
        ratio=round(ours_p99 / bare_p99, 2),
        target="≤ 3× bare",
    )


def main() -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from shequ.access.models import User
    from shequ.areas.models import Area
    from shequ.problems.models import Problem, ReportRun
    from shequ.problems.monthly import run_report
    from shequ.problems.selectors import status_counts

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    if not Area.objects.filter(code=STREET).exists():
        build_area()
    if "lists" not in PARTS:
        if "create" in PARTS:
            create_throughput(vendor)
        return
    have = Problem.objects.filter(area_path__startswith=f"/{STREET}/").count()
    if have < TOTAL:
        seconds = generate(TOTAL - have)
        emit(
            bench=f"generate {TOTAL:,} problems ({vendor})",
            unit="rows/s",
            value=round((TOTAL - have) / seconds),
        )
        with connection.cursor() as c:
            c.execute("ANALYZE")
    street = Area.objects.get(code=STREET)
    admin = User.objects.get(username="pbench_admin")

    # Street status counts vs the raw GROUP BY.
    upper = street.path[:-1] + "0"

    def bare() -> None:
        with connection.cursor() as c:
            c.execute(
                "SELECT status, COUNT(*) FROM problems_problem WHERE area_path >= %s AND area_path < %s "
                "GROUP BY status",
                [street.path, upper],
            )
            c.fetchall()

    status_counts(admin, street.path)
    ours = median(timed(lambda: status_counts(admin, street.path), 7))
    base = median(timed(bare, 7))
    emit(
        bench=f"street problem counts ({vendor})",
        unit="ms",
        value=round(ours * 1000, 1),
        baseline=round(base * 1000, 1),
        ratio=round(ours / base, 2),
        target="≤ 1.5×",
    )

    # The street overview: the street's counts and each community's, against the same raw
    # GROUP BY of the street (no target).
    ov_client = Client()
    ov_client.force_login(admin)
    ov_client.get("/problems/overview/")
    ours = median(timed(lambda: ov_client.get("/problems/overview/"), 5))
    emit(
        bench=f"street overview page, 20 communities ({vendor})",
        unit="ms",
        value=round(ours * 1000, 1),
        baseline=round(base * 1000, 1),
        ratio=round(ours / base, 2),
    )

    # Triage board (HTML) and API list.
    client = Client()
    client.force_login(admin)
    community = Area.objects.filter(parent=street).order_by("path")[3]
    cases = {
        "API list": (
            "/api/v1/problems/",
            [{}, {"status": "in_progress"}, {"overdue": "true"}, {"area": community.code}],
        ),
        "triage board": (
            "/problems/",
            [{}, {"status": "dispatched"}, {"overdue": "1"}, {"area": community.code}],
        ),
    }
    for label, (url, variants) in cases.items():
        samples = []
        for _ in range(10):
            for params in variants:
                start = time.perf_counter()
                response = client.get(url, params)
                samples.append(time.perf_counter() - start)
                if response.status_code != 200:
                    sys.exit(f"{label} {params}: HTTP {response.status_code}")
        emit(
            bench=f"{label} p95 at {TOTAL:,} problems ({vendor})",
            unit="ms",
            value=round(p95(samples) * 1000, 1),
            target="≤ 150 ms",
        )

    # The monthly report of the street for the month with 100,000 problems.
    from django.db.models import Count

    report_month = (
        Problem.objects.filter(area_path__startswith=street.path)
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["month"]
    )
    run = ReportRun.objects.create(area=street, area_path=street.path, month=report_month, requested_by=admin)
    started = time.perf_counter()
    run_report(run.pk)
    seconds = time.perf_counter() - started
    in_month = Problem.objects.filter(area_path__startswith=street.path, month=report_month).count()
    emit(
        bench=f"monthly report, {in_month:,} problems in the month ({vendor})",
        unit="s",
        value=round(seconds, 2),
        target="≤ 10 s",
    )

    if "create" in PARTS:
        create_throughput(vendor)


if __name__ == "__main__":
    main()
