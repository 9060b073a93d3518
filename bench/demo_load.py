"""`shequ demo load` for both demo streets on a fresh SQLite file, against a bare
bulk insert of the same number of resident-shaped rows into the same kind of file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import emit

ROWS = 42140 + 24868


def bare_insert(path: Path) -> float:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(
        "CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT, idn TEXT, h TEXT, phone TEXT, "
        "path TEXT, birth TEXT)"
    )
    con.execute("CREATE INDEX r_path ON r(path)")
    rows = [
        (f"姓名{i}", f"v1:{'x' * 60}{i}", f"{i:064d}", f"v1:{'y' * 48}", f"/1/2/3/{i // 3}/", "1980-01-01")
        for i in range(ROWS)
    ]
    start = time.perf_counter()
    with con:
        con.executemany("INSERT INTO r (name, idn, h, phone, path, birth) VALUES (?,?,?,?,?,?)", rows)
    con.close()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "SHEQU_DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "SHEQU_ENV": "development",
        }
        shequ = [sys.executable, "-m", "shequ.cli"]
        subprocess.run([*shequ, "migrate", "-v", "0"], env=env, check=True)
        start = time.perf_counter()
        subprocess.run([*shequ, "demo", "load"], env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        base = bare_insert(Path(tmp) / "bare.sqlite3")
    emit(
        bench="demo load, both streets (sqlite)",
        unit="s",
        value=round(seconds, 1),
        baseline=round(base, 2),
        ratio=round(seconds / base, 1),
        target="≤ 60 s",
    )


if __name__ == "__main__":
    main()
