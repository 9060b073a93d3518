"""The registry in and out of Excel at 100,000 residents (issue 5), each figure against a
bare baseline measured in the same run, each phase in its own process so that its peak
memory (max RSS) is its own:

- import: `shequ import residents` as the service runs it (read with calamine, clean and
  check every row with build_resident, encrypt, insert households and residents) vs a
  bare read of the same file with the same reader plus a bare bulk insert of the same
  rows (no checks, no encryption);
- export: the resident list to xlsx (query, masking, xlsxwriter constant_memory) vs a
  bare xlsxwriter write of the same rows already in memory.

`python -m bench --only registry-io` (SQLite in var/bench/registry_io.sqlite3, rebuilt
each run); BENCH_IO_ROWS changes the size, BENCH_IO_REPEAT the number of turns (the best
of each side counts; peak memory is the largest of its turns).
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.common import emit, setup_django

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "var" / "bench"
DB = FOLDER / "registry_io.sqlite3"
XLSX = FOLDER / "registry_io.xlsx"
ROWS = int(os.environ.get("BENCH_IO_ROWS", "100000"))
REPEAT = int(os.environ.get("BENCH_IO_REPEAT", "2"))
STREET, COMMUNITY = "990000101", "990000101001"
BUILDINGS = 200


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# Names as a register holds them: common surnames (a few of two characters) and one or
# two given-name characters, so that the pinyin work is a real register's, not one word's.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
    "蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬建国建华志强志明海燕"
    "春梅德明长生国庆俊杰雪梅晓东晓红丹阳朝阳重阳子涵一鸣思远婷婷浩然文博宇轩梓萱欣怡佳琪"
)


def a_name(rng: random.Random) -> str:
    surname = rng.choice(DOUBLE_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def write_file() -> None:
    import xlsxwriter

    from shequ.people import idcard

    rng = random.Random(ROWS)

    book = xlsxwriter.Workbook(str(XLSX), {"constant_memory": True})
    sheet = book.add_worksheet("居民")
    headers = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "与户主关系", "楼栋", "单元", "门牌号"]
    sheet.write_row(0, 0, [*headers, "人口类型", "重点人群", "备注"])
    for i in range(ROWS):
        gender = "M" if i % 2 else "F"
        born = date(1940 + i % 70, 1 + i % 12, 1 + i % 28)
        # Birth dates repeat every 420 rows; the sequence keeps numbers unique to 210,000.
        number = idcard.make("110105", born, (i // 420) % 500, gender)
        building, door = divmod(i // 4, 125)
        sheet.write_row(
            i + 1,
            0,
            (
                a_name(rng),
                number,
                "男" if gender == "M" else "女",
                born.isoformat(),
                f"13{i % 10}{i:08d}"[:11],
                "户主" if i % 4 == 0 else "子女",
                f"{building % BUILDINGS + 1}栋",
                str(1 + door // 25),
                str(101 + door % 25),
                "流动人口" if i % 9 == 0 else "户籍人口",
                "低保户" if i % 50 == 0 else "",
                "",
            ),
        )
    book.close()


def build() -> None:
    from django.core.management import call_command

    from shequ.access.services import add_user
    from shequ.areas.models import AreaKind
    from shequ.areas.services import create_area

    call_command("migrate", verbosity=0)
    street = create_area(code=STREET, name="读写基准街道", kind=AreaKind.STREET, parent=None)
    community = create_area(code=COMMUNITY, name="读写基准社区", kind=AreaKind.COMMUNITY, parent=street)
    grid = create_area(code=f"{COMMUNITY}001", name="基准网格", kind=AreaKind.GRID, parent=community)
    for b in range(BUILDINGS):
        create_area(code=f"{COMMUNITY}001{b + 1:03d}", name=f"{b + 1}栋", kind=AreaKind.BUILDING, parent=grid)
    add_user("bench_admin", "bench-pass-2026", role="street_admin", area_code=STREET, check_password=False)
    write_file()


def phase_baseline() -> None:
    """Bare: the same reader over the same file, and bulk inserts of the rows as they are."""
    from python_calamine import CalamineWorkbook

    from shequ.areas.models import Area
    from shequ.areas.paths import child_path
    from shequ.people.models import Household, Resident

    buildings = {a.name: a for a in Area.objects.filter(kind="building")}
    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(XLSX)).get_sheet_by_index(0).to_python()[1:]
    households: dict[tuple[str, str], Household] = {}
    residents = []
    for row in rows:
        key = (row[6], f"{row[7]}单元{row[8]}")
        household = households.get(key)
        if household is None:
            building = buildings[row[6]]
            code = f"X{len(households)}"
            household = Household(
                code=code, building=building, area_path=child_path(building.path, code), address=key[1]
            )
            households[key] = household
        residents.append(
            Resident(
                name=row[0],
                gender="M" if row[2] == "男" else "F",
                birth_date=row[3],
                id_number_hash=row[1],
                phone_masked=row[4],
                household=household,
                relation="head",
                area=household.building,
                area_path=household.area_path,
            )
        )
    Household.objects.bulk_create(list(households.values()), batch_size=2000)
    for r in residents:
        r.household = r.household
    Resident.objects.bulk_create(residents, batch_size=2000)
    seconds = time.perf_counter() - started
    print(f"PHASE {seconds} {peak_mb()} {len(residents)}")
    Resident.objects.filter(area_path__startswith=f"/{STREET}/").delete()
    Household.objects.filter(area_path__startswith=f"/{STREET}/").delete()


def phase_import() -> None:
    from shequ.people.models import Household, Resident
    from shequ.registry import services

    started = time.perf_counter()
    result, _ = services.import_file(XLSX, COMMUNITY, dry_run=False)
    seconds = time.perf_counter() - started
    assert not result.errors, result.errors[:5]
    assert Resident.objects.filter(area_path__startswith=f"/{STREET}/").count() == ROWS
    print(f"PHASE {seconds} {peak_mb()} {ROWS}")
    if os.environ.get("BENCH_IO_KEEP") != "1":  # the export phases read the last import's rows
        Resident.objects.filter(area_path__startswith=f"/{STREET}/").delete()
        Household.objects.filter(area_path__startswith=f"/{STREET}/").delete()


def phase_bare_write() -> None:
    import xlsxwriter

    from shequ.people.models import Resident
    from shequ.registry.exporting import HEADERS

    rows = list(
        Resident.objects.filter(area_path__startswith=f"/{STREET}/")
        .order_by("area_path", "id")
        .values_list(
            "name",
            "id_number_masked",
            "gender",
            "birth_date",
            "phone_masked",
            "relation",
            "area__name",
            "household__address",
            "residence_type",
            "care_tags",
            "household__code",
        )
    )
    rows = [(*r[:3], r[3].isoformat(), *r[4:7], "", *r[7:]) for r in rows]
    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(FOLDER / "bare.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("居民")
    sheet.write_row(0, 0, HEADERS)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    book.close()
    seconds = time.perf_counter() - started
    print(f"PHASE {seconds} {peak_mb()} {len(rows)}")


def phase_export() -> None:
    from shequ.access.models import User
    from shequ.registry import services

    admin = User.objects.get(username="bench_admin")
    started = time.perf_counter()
    counts = services.export_residents(admin, str(FOLDER / "export.xlsx"), area_code=COMMUNITY)
    seconds = time.perf_counter() - started
    assert counts["rows"] == ROWS
    print(f"PHASE {seconds} {peak_mb()} {counts['rows']}")


PHASES = {
    "baseline": phase_baseline,
    "import": phase_import,
    "bare_write": phase_bare_write,
    "export": phase_export,
}


def run_phase(name: str, **env: str) -> tuple[float, float, int]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.registry_io", name],
        env={**os.environ, **env},
        cwd=ROOT,
        text=True,
        capture_output=True,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PHASE ")]
    if proc.returncode != 0 or not lines:
        sys.exit(f"phase {name} failed:\n{proc.stderr[-3000:]}")
    _, seconds, peak, rows = lines[-1].split()
    return float(seconds), float(peak), int(rows)


def main() -> None:
    if len(sys.argv) > 1:
        setup_django()
        PHASES[sys.argv[1]]()
        return
    FOLDER.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ["SHEQU_DATABASE_URL"] = f"sqlite:///{DB}"
    setup_django()
    build()
    # Baseline and import take turns, REPEAT times each, and the best of each counts: on
    # a shared machine a burst of other work then slows one attempt, not one side.
    base_s = imp_s = float("inf")
    base_mb = imp_mb = 0.0
    for turn in range(REPEAT):
        seconds, peak, _ = run_phase("baseline")
        base_s, base_mb = min(base_s, seconds), max(base_mb, peak)
        seconds, peak, _ = run_phase("import", BENCH_IO_KEEP="1" if turn == REPEAT - 1 else "0")
        imp_s, imp_mb = min(imp_s, seconds), max(imp_mb, peak)
    emit(
        bench=f"import {ROWS:,} residents from xlsx",
        unit="rows/s",
        value=round(ROWS / imp_s),
        baseline=round(ROWS / base_s),
        ratio=round(base_s / imp_s, 2),
        target="≥ 0.6",
        peak_mb=imp_mb,
        baseline_peak_mb=base_mb,
    )
    bare_s = exp_s = float("inf")
    bare_mb = exp_mb = 0.0
    for _turn in range(REPEAT):
        seconds, peak, _ = run_phase("bare_write")
        bare_s, bare_mb = min(bare_s, seconds), max(bare_mb, peak)
        seconds, peak, _ = run_phase("export")
        exp_s, exp_mb = min(exp_s, seconds), max(exp_mb, peak)
    emit(
        bench=f"export {ROWS:,} residents to xlsx",
        unit="rows/s",
        value=round(ROWS / exp_s),
        baseline=round(ROWS / bare_s),
        ratio=round(bare_s / exp_s, 2),
        target="≥ 0.7",
        peak_mb=exp_mb,
        baseline_peak_mb=bare_mb,
    )


if __name__ == "__main__":
    main()
