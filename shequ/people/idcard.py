"""Resident ID numbers (公民身份号码, GB 11643-1999).

18 characters: a 6-digit region code, the birth date YYYYMMDD, a 3-digit sequence whose
last digit is odd for men and even for women, and a check character computed from the
first 17 digits (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; remainder → 10X98765432).
A region code that no longer exists is still a real person's number: it is a warning.
"""

from __future__ import annotations

import csv
import operator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
}
_FULLWIDTH = {
    ord(c): ord(c) - 0xFEE0
    for c in "０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺ"
}


class IdNumberError(ValueError):
    """The message is Chinese and says what is wrong with the number."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    region: str
    birth_date: date
    gender: str  # "M" or "F"
    warnings: tuple[str, ...] = field(default=())


def normalize(raw: str) -> str:
    return "".join(str(raw).translate(_FULLWIDTH).split()).upper()


def from_15(number: str) -> str | None:
    """An old 15-digit number (issued before 1999: 6-digit region, YYMMDD, 3-digit
    sequence) as the 18-digit number it became: 19 put before the year, the check
    character added; None if it is not 15 digits."""
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        return None
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_char(first17)


def check_char(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("check_char needs the first 17 digits")
    return CHECK[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


@lru_cache(maxsize=1)
def current_regions() -> frozenset[str]:
    """County-level codes in use (from the national division list shipped with Shequ)."""
    path = Path(__file__).with_name("data") / "regions.csv"
    if not path.exists():
        return frozenset()
    with path.open(encoding="utf-8") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def parse(raw: str, *, today: date | None = None) -> IdInfo:
    number = normalize(raw)
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为18位，现在是{len(number)}位")
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号前17位必须是数字，最后一位是数字或X")
    if number[:2] not in PROVINCES:
        raise IdNumberError(f"身份证号前两位 {number[:2]} 不是有效的省级代码")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"身份证号中的出生日期 {number[6:14]} 不存在") from exc
    today = today or date.today()
    if born.year < 1880 or born > today:
        raise IdNumberError(f"身份证号中的出生日期 {number[6:14]} 不合理")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"身份证号校验位错误：最后一位应为 {expected}，填写的是 {number[17]}")
    warnings: list[str] = []
    regions = current_regions()
    if regions and number[:6] not in regions:
        warnings.append(f"地区代码 {number[:6]} 已不在现行区划中（可能已撤销），请核对")
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number, number[:6], born, gender, tuple(warnings))


def make(region: str, born: date, sequence: int, gender: str) -> str:
    """Build a valid number (for the demo and tests): sequence 0–499, gender M or F."""
    seq = sequence % 500 * 2 + (1 if gender == "M" else 0)
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + check_char(body)
