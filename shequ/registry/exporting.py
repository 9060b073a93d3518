"""The registry list as xlsx, written row by row (xlsxwriter ``constant_memory``) from a
database cursor, so a street's 100,000 residents never sit in memory at once.

The columns are the import template's, so an exported file can be edited and imported
again. ID numbers and phones are masked unless the caller passes the paths where the
viewer may read each in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from shequ.core import fieldcrypt, xlsx
from shequ.core.errors import ValidationFailed
from shequ.people.models import CareGroup, Gender, PartyMemberKind, Relation, ResidenceType

HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "联系电话",
    "与户主关系",
    "楼栋",
    "单元",
    "门牌号",
    "人口类型",
    "重点人群",
    "党员类型",
    "户编号",
]
FIELDS = (
    "name",
    "id_number_masked",
    "id_number_enc",
    "gender",
    "birth_date",
    "phone_masked",
    "phone_enc",
    "relation",
    "area__name",
    "household__address",
    "residence_type",
    "care_tags",
    "party_member_kind",
    "household__code",
    "area_path",
)
SHEET_ROWS = 1_048_575
DATE_FORMAT = "yyyy-mm-dd"
_GENDER = {k: str(v) for k, v in Gender.choices}
_RELATION = {k: str(v) for k, v in Relation.choices}
_RESIDENCE = {k: str(v) for k, v in ResidenceType.choices}
_CARE = {k: str(v) for k, v in CareGroup.choices}
# A member's kind by its label (社区党员…); a non-member's cell is left blank, which a
# re-import reads as "keep what is registered", never as "not a member".
_PARTY = {k: str(v) for k, v in PartyMemberKind.choices}


def _care(tags: str) -> str:
    return "、".join(_CARE.get(t, t) for t in tags.split(",") if t)


def covered(path: str, paths: Iterable[str]) -> bool:
    """Whether a row at ``path`` lies under one of ``paths`` (where a value may be shown in full)."""
    return any(path.startswith(p) for p in paths)


def write(
    out: Any,
    rows: Iterable[tuple[Any, ...]],
    *,
    id_paths: list[str] | None = None,
    phone_paths: list[str] | None = None,
    title: str = "居民",
) -> dict[str, int]:
    """Write ``rows`` (tuples of FIELDS) to ``out``; return the counts for the audit log."""
    id_paths, phone_paths = id_paths or [], phone_paths or []
    book = xlsx.workbook(out, constant_memory=True)
    head = book.add_format({"bold": True, "bg_color": "#E8F0FE"})

    def new_sheet(n: int) -> Any:
        sheet = book.add_worksheet(title[:28] if n == 1 else f"{title[:25]}({n})")
        sheet.write_row(0, 0, HEADERS, head)
        sheet.set_column(1, 1, 20)
        sheet.set_column(3, 4, 14)
        sheet.set_column(6, 6, 16)
        return sheet

    as_date = book.add_format({"num_format": DATE_FORMAT})
    sheets = 1
    sheet = new_sheet(sheets)
    write_row = sheet.write_row
    counts = {"rows": 0, "full_id_number": 0, "full_phone": 0}
    decrypt = fieldcrypt.decrypt
    r = 0
    total = 0
    for row in rows:
        name, id_masked, id_enc, gender, born, phone_masked, phone_enc = row[:7]
        relation, building, door, kind, tags, party, code, path = row[7:]
        if r == SHEET_ROWS:  # an xlsx sheet ends at 1,048,576 rows: go on in the next
            sheets += 1
            sheet = new_sheet(sheets)
            write_row = sheet.write_row
            r = 0
        r += 1
        total += 1
        id_number, id_full = id_masked, False
        if id_paths and id_enc and covered(path, id_paths):
            id_number, id_full = decrypt(id_enc, "id_number"), True
            counts["full_id_number"] += 1
        phone = phone_masked
        if phone_paths and phone_enc and covered(path, phone_paths):
            phone = decrypt(phone_enc, "phone")
            counts["full_phone"] += 1
        write_row(
            r,
            0,
            (
                name,
                id_number,
                _GENDER.get(gender, gender),
                # Month and day are digits of the ID number: in full only beside the full
                # number (written as a date just below).
                "" if id_full or not born else f"{born.year}年",
                phone,
                _RELATION.get(relation, relation),
                building,
                "",
                door,
                _RESIDENCE.get(kind, kind),
                _care(tags) if tags else "",
                _PARTY.get(party, party) if party else "",
                code,
            ),
        )
        if id_full and born:
            sheet.write_datetime(r, 3, born, as_date)
    counts["rows"] = total
    book.close()
    return counts


def write_table(out: Any, title: str, headers: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Any list as one xlsx sheet, streamed (``constant_memory``); returns the row count.
    Dates are written as Excel dates (sorted, filtered and compared as dates), numbers as
    numbers, the rest as text."""
    book = xlsx.workbook(out, constant_memory=True)
    head = book.add_format({"bold": True, "bg_color": "#E8F0FE"})
    as_date = book.add_format({"num_format": DATE_FORMAT})
    as_time = book.add_format({"num_format": DATE_FORMAT + " hh:mm"})
    sheet = book.add_worksheet(title[:28])
    sheet.write_row(0, 0, headers, head)
    # A date column needs room for 2026-11-22, or Excel shows ########.
    sheet.set_column(0, len(headers) - 1, 12)
    n = 0
    for n, row in enumerate(rows, start=1):
        if n > SHEET_ROWS:
            raise ValidationFailed(
                {"area": f"名单超过 Excel 一张工作表的 {SHEET_ROWS:,} 行上限，请选择更小的区域后再导出"}
            )
        for col, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(n, col, timezone.localtime(value).replace(tzinfo=None), as_time)
            elif isinstance(value, date):
                # A bare date would show as its serial number (46348) without a format.
                sheet.write_datetime(n, col, value, as_date)
            elif value is not None:
                sheet.write(n, col, value)
    book.close()
    return n
