"""Workbooks built in the tests, as real registers look."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from shequ.people import idcard

HEADERS = ["姓名", "身份证号", "性别", "联系电话", "与户主关系", "楼栋", "单元", "门牌号"]


def person(n: int, born: date | None = None, gender: str = "M") -> str:
    return idcard.make("110105", born or date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n, gender)


def save(path: Path, sheets: dict[str, Any], merges: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(name, []):
            sheet.merge_cells(cells)
    book.save(path)
    return path


def rows_for(world: Any, count: int, *, start: int = 0, grid: str = "A1-1") -> list[list[Any]]:
    """``count`` good rows in the grid's building, four people to a household."""
    building = world.areas[f"{grid}-b"].name
    out = []
    for i in range(start, start + count):
        gender = "M" if i % 2 else "F"
        out.append(
            [
                f"居民{i}",
                person(1000 + i, gender=gender),
                "男" if gender == "M" else "女",
                f"137{i:08d}",
                "户主" if i % 4 == 0 else "子女",
                building,
                str(1 + i // 400),
                str(100 + (i // 4) % 100),
            ]
        )
    return out
