"""Run every benchmark and print one table: `make bench` (BENCH_ARGS=--only locate ...).

The registry benchmark runs on SQLite (var/bench/registry.sqlite3) and, when reachable, on
PostgreSQL (SHEQU_BENCH_PG_URL, default postgres://shequ:shequ@127.0.0.1:5432/shequ_bench).
The generated registry is kept between runs; delete it to rebuild. The points benchmark
(bench.tasks) keeps its ledger in var/bench/tasks.sqlite3 and shequ_bench_tasks."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def run(module: str, env_extra: dict[str, str]) -> list[dict]:
    env = {**os.environ, **env_extra, "SHEQU_ALLOWED_HOSTS": "testserver,127.0.0.1"}
    proc = subprocess.run([sys.executable, "-m", module], env=env, cwd=ROOT, text=True, capture_output=True)
    out = [json.loads(line[7:]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0:
        print(f"{module} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
    return out


def pg_ready(url: str) -> bool:
    try:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3, autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                c.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL not reachable, skipped: {exc}", file=sys.stderr)
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--only",
        nargs="*",
        default=[
            "locate",
            "demo",
            "sqlite",
            "postgresql",
            "problems-sqlite",
            "problems-postgresql",
            "tasks-sqlite",
            "tasks-postgresql",
            "registry-io",
        ],
    )
    args = parser.parse_args()
    results: list[dict] = []
    if "locate" in args.only:
        results += run("bench.locate", {})
    if "demo" in args.only:
        results += run("bench.demo_load", {})
    if "sqlite" in args.only:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        results += run(
            "bench.registry", {"SHEQU_DATABASE_URL": f"sqlite:///{ROOT}/var/bench/registry.sqlite3"}
        )
    pg = os.environ.get("SHEQU_BENCH_PG_URL", "postgres://shequ:shequ@127.0.0.1:5432/shequ_bench")
    if "postgresql" in args.only and pg_ready(pg):
        results += run("bench.registry", {"SHEQU_DATABASE_URL": pg})
    if "problems-sqlite" in args.only:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        results += run(
            "bench.problems", {"SHEQU_DATABASE_URL": f"sqlite:///{ROOT}/var/bench/problems.sqlite3"}
        )
    pg_problems = pg.replace("/shequ_bench", "/shequ_bench_problems")
    if "problems-postgresql" in args.only and pg_ready(pg_problems):
        results += run("bench.problems", {"SHEQU_DATABASE_URL": pg_problems})
    if "tasks-sqlite" in args.only:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        results += run("bench.tasks", {"SHEQU_DATABASE_URL": f"sqlite:///{ROOT}/var/bench/tasks.sqlite3"})
    pg_tasks = pg.replace("/shequ_bench", "/shequ_bench_tasks")
    if "tasks-postgresql" in args.only and pg_ready(pg_tasks):
        results += run("bench.tasks", {"SHEQU_DATABASE_URL": pg_tasks})
    if "registry-io" in args.only:
        results += run("bench.registry_io", {})
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"{'benchmark':<44} {'value':>12} {'baseline':>10} {'ratio':>7}  target")
    for r in results:
        print(
            f"{r['bench']:<44} {r['value']:>10} {r.get('unit', ''):<3}"
            f"{r.get('baseline', ''):>8} {r.get('ratio', ''):>7}  {r.get('target', '')}"
        )


if __name__ == "__main__":
    main()
