"""Reading uploaded registers (xlsx with calamine, csv in UTF-8 or GB18030) into sheets
of rows, finding each sheet's header row, and writing the template.

A sheet's header row is the row among the first ten that names the most known columns.
A header cell left empty under a merged cell takes the merged cell's text, and a header
cell left empty in a two-row header takes the text above it (a vertically merged 姓名).
Rows are kept with their sheet row numbers as Excel shows them (1-based); blank rows are
skipped, and a data cell merged over several rows takes the merged cell's value in each.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from shequ.core import xlsx
from shequ.core.errors import ValidationFailed
from shequ.people.models import CareGroup
from shequ.registry.cells import text
from shequ.registry.columns import COLUMNS, header_score

HEADER_SEARCH = 10
MAX_COLUMNS = 200
UNREADABLE = (
    "无法读取这个 Excel 文件：文件已损坏、设有打开密码，或不是 .xlsx 格式。"
    "请在 Excel 中另存为 .xlsx 后重新上传"
)


@dataclass
class Sheet:
    name: str
    headers: list[str]  # one per column ("" for an unnamed column)
    header_row: int  # 1-based
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass
class Book:
    sheets: list[Sheet]
    skipped: list[str]  # sheets without a recognisable header row
    hidden: list[str] = field(default_factory=list)  # hidden sheets, not read

    @property
    def headers(self) -> list[str]:
        """Every distinct header over all sheets, in order of first appearance."""
        seen: dict[str, None] = {}
        for sheet in self.sheets:
            for h in sheet.headers:
                if h:
                    seen.setdefault(h, None)
        return list(seen)

    @property
    def sheet_headers(self) -> list[list[str]]:
        return [sheet.headers for sheet in self.sheets]

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


def read(path: Path, original_name: str = "") -> Book:
    name = (original_name or path.name).lower()
    if name.endswith(".csv"):
        return _book([("CSV", _read_csv(path), [])])
    if name.endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        hidden: list[str] = []
        return _book(_read_workbook(path, hidden), hidden)
    raise ValidationFailed({"file": "只能导入 Excel（.xlsx）或 CSV 文件"})


# A sheet is read into a grid from A1 to its last cell: one stray value at XFD1048576
# (a 5 KB file) asked for 512 GB and aborted the worker process. A community's register
# (100,000 rows of a few dozen columns) is far under these bounds; a whole street's is to
# be split by community (docs/registry.md), as the import's memory already asks.
MAX_COLUMNS = 500
MAX_CELLS = 10_000_000
_READ_AT_MOST = 2 * 1024**3  # of sheet XML, uncompressed
# Only cells that could reach far are looked for (a column of two or three letters, a row
# of six digits or more; a sheet wider than 100 columns, where fewer rows pass the cell
# limit, is scanned again for rows of five digits): a register's 26 columns and its rows
# under 100,000 match nothing,
# and the scan of a 100,000-row sheet takes a fraction of a second. Only cells with
# something in them count: a cell written `<c r="A1048576" s="1"/>` (or `…></c>`) carries formatting
# alone (a cleared value, a column formatted as text to the bottom), which the reader
# skips, and so do `<row>` elements. The literal `<c r="` lets the regex engine skip
# ahead; a sheet that writes its cells another way (a namespace prefix, single quotes,
# spaces around "=") is scanned with the slower, general pattern.
_HAS_VALUE = rb"(?=\s*<(?:\w+:)?(?:v|is|f)\b)"  # a value, an inline string or a formula follows
_WIDE = re.compile(rb'<c r="([A-Z]{2,3})[0-9]+"[^>/]*>' + _HAS_VALUE)
_LONG = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{6,7})"[^>/]*>' + _HAS_VALUE)
_WIDE_ANY = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br\s*=\s*[\"']([A-Z]{2,3})[0-9]+[\"'][^>/]*>" + _HAS_VALUE)
_LONG_ANY = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br\s*=\s*[\"'][A-Z]{1,3}([0-9]{6,7})[\"'][^>/]*>" + _HAS_VALUE)
_LONG5 = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br\s*=\s*[\"'][A-Z]{1,3}([0-9]{5,7})[\"'][^>/]*>" + _HAS_VALUE)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_extent(path: Path) -> None:
    """Refuse an xlsx whose cells reach further than a register's, before the grid is
    built (a file that is no zip is left for the reader to name)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            rows, columns = _reach(archive, info, wide=True)
            if columns > 100 and rows < 100_000:
                rows = max(rows, _reach(archive, info, wide=False)[0])
            if columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
                raise ValidationFailed(
                    {
                        "file": f"工作表中有内容写到了第 {rows} 行、第 {columns} 列，超出了可以导入的范围"
                        f"（最多 {MAX_COLUMNS} 列、{MAX_CELLS // 10_000} 万个单元格）；请删除表格以外的"
                        "多余内容，或按社区分成几个文件后重新上传"
                    }
                )


def _reach(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, wide: bool) -> tuple[int, int]:
    """The furthest row (of six digits or more; with ``wide=False`` of five or more, the
    columns left out) and column (past Z) of a sheet's cells that hold something."""
    rows, columns, read, tail = 0, 26, 0, b""
    with archive.open(info) as fh:
        while chunk := fh.read(1 << 22):
            read += len(chunk)
            if read > _READ_AT_MOST:
                raise ValidationFailed({"file": "文件中的工作表太大，无法导入；请按社区分成几个文件"})
            data = tail + chunk
            tail = data[-256:]
            if not wide:
                numbers = _LONG5.findall(data)
                rows = max(rows, *map(int, numbers)) if numbers else rows
                continue
            general = b"r='" in data or b"r =" in data or b"r= " in data or b":c " in data
            across, down = (_WIDE_ANY, _LONG_ANY) if general else (_WIDE, _LONG)
            letters = set(across.findall(data))
            if letters:
                columns = max(columns, *(_column_number(x) for x in letters))
            numbers = down.findall(data)
            if numbers:
                rows = max(rows, *map(int, numbers))
    return rows, columns


def _read_workbook(path: Path, hidden: list[str]) -> list[tuple[str, list[list[Any]], list[Any]]]:
    """The visible sheets; the names of hidden ones go to ``hidden``, unread: offices'
    templates keep their dropdown lists (性别, 与户主关系…) there, under headers of their
    own, whose rows nobody sees in Excel and which are no residents."""
    _check_extent(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        # The library's own words are English ("invalid Zip archive…"): say what to do.
        raise ValidationFailed({"file": UNREADABLE}) from exc
    out: list[tuple[str, list[list[Any]], list[Any]]] = []
    for meta in workbook.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible:
            hidden.append(meta.name)
    for sheet_name in workbook.sheet_names:
        if sheet_name in hidden:
            continue
        try:
            # A sheet's XML is parsed only here: one malformed cell (a raw "&") fails it.
            sheet = workbook.get_sheet_by_name(sheet_name)
            rows = sheet.to_python(skip_empty_area=False)
        except CalamineError as exc:
            raise ValidationFailed({"file": UNREADABLE}) from exc
        try:
            merged = sheet.merged_cell_ranges or []
        except Exception:  # noqa: BLE001 - older files without merge records
            merged = []
        out.append((sheet_name, rows, merged))
    return out


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    # Excel's "Unicode 文本" (UTF-16 with its byte-order mark, tab-separated) saved under a
    # .csv name: GB18030 decodes it too, into a file of nonsense without a header.
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            decoded = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed({"file": "CSV 文件的编码无法识别，请另存为 UTF-8"})
    # Some systems' "CSV" is separated by tabs: read so when the header line has tabs and
    # no commas (else the whole line was one cell, and no header was found).
    first = next((line for line in decoded.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return [[_unwrapped(cell) for cell in r] for r in csv.reader(io.StringIO(decoded), delimiter=delimiter)]


# ="110105194912310021": how systems write a long number into a CSV so that Excel keeps it
# as text; the cell is what is between the quotes.
_WRAPPED = re.compile(r'^="(.*)"$', re.DOTALL)


def _unwrapped(cell: str) -> str:
    found = _WRAPPED.match(cell) if cell.startswith("=") else None
    return found.group(1) if found else cell


def _book(raw_sheets: list[tuple[str, list[list[Any]], list]], hidden: list[str] | None = None) -> Book:
    sheets, skipped = [], []
    for name, rows, merged in raw_sheets:
        sheet = _sheet(name, rows, merged)
        if sheet is None:
            if any(any(text(c) for c in r) for r in rows):
                skipped.append(name)
        else:
            sheets.append(sheet)
    if not sheets:
        message = "文件中没有找到表头（如“姓名”“身份证号”），请使用导入模板"
        if hidden:
            message += f"；隐藏的工作表（{'、'.join(hidden)}）没有读取，如要导入，请在 Excel 中取消隐藏"
        raise ValidationFailed({"file": message})
    return Book(sheets, skipped, hidden or [])


def _sheet(name: str, rows: list[list[Any]], merged: list) -> Sheet | None:
    width = min(max((len(r) for r in rows), default=0), MAX_COLUMNS)
    filled = [_filled_row(rows, i, merged, width) for i in range(min(len(rows), HEADER_SEARCH))]
    # The lower row of a two-row header wins a tie: its cells are the more specific ones.
    best, best_score = -1, 1
    for i, row in enumerate(filled):
        score = header_score(list(row))
        if score >= best_score and score > 1:
            best, best_score = i, score
    if best < 0:
        return None
    headers = []
    for col in range(width):
        header = filled[best][col]
        if not header and best > 0:
            header = filled[best - 1][col]
        headers.append(header)
    # The same text twice (two 电话 columns): number the later ones so both can be mapped.
    counts: dict[str, int] = {}
    for col, header in enumerate(headers):
        if header:
            counts[header] = counts.get(header, 0) + 1
            if counts[header] > 1:
                headers[col] = f"{header}({counts[header]})"
    # Rows merged into the header (a title over a two-row header) start after it.
    first = best + 1
    for (r0, _c0), (r1, _c1) in merged:
        if r0 <= best <= r1:
            first = max(first, r1 + 1)
    # Data cells merged over several rows (楼栋 and 门牌号 of one household) hold their
    # value in the top-left cell only: every cell of the range gets it.
    data_rows = {
        index: list(rows[index][:width]) + [""] * (width - len(rows[index]))
        for index in range(first, len(rows))
    }
    for (r0, c0), (r1, c1) in merged:
        if r0 < first or r0 not in data_rows or c0 >= width:
            continue
        value = data_rows[r0][c0]
        for r in range(r0, min(r1 + 1, len(rows))):
            for c in range(c0, min(c1 + 1, width)):
                if not text(data_rows[r][c]):
                    data_rows[r][c] = value
    data = [(index + 1, cells) for index, cells in data_rows.items() if any(text(cell) for cell in cells)]
    return Sheet(name, headers, best + 1, data)


def _filled_row(rows: list[list[Any]], index: int, merged: list, width: int) -> list[str]:
    """Header texts of a row, merged cells' text copied into every cell they cover."""
    row = [text(c) for c in rows[index][:width]] + [""] * max(0, width - len(rows[index]))
    for (r0, c0), (r1, c1) in merged:
        if r0 <= index <= r1 and r0 < len(rows) and c0 < len(rows[r0]):
            value = text(rows[r0][c0])
            for c in range(c0, min(c1 + 1, width)):
                if not row[c]:
                    row[c] = value
    return row


def iter_rows(book: Book) -> Iterator[tuple[Sheet, int, list[object]]]:
    for sheet in book.sheets:
        for number, row in sheet.rows:
            yield sheet, number, row


def write_template(out: io.BytesIO | str) -> None:
    """The import template: Chinese headers (required ones marked *), one example row,
    and the ID number column stored as text so Excel cannot round it."""
    book = xlsx.workbook(out, in_memory=True)
    sheet = book.add_worksheet("居民")
    head = book.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.label + ("*" if column.required else ""), head)
        sheet.set_column(col, col, 22 if column.key in ("id_number", "address") else 12, as_text)
        sheet.write_string(1, col, column.example, as_text)
    notes = book.add_worksheet("填写说明")
    lines = [
        "“居民”表第2行（张三）是填写示例，导入时自动跳过，可以保留，也可以删除。",
        "带 * 的列必填；楼栋和门牌号也可以只填“现住址”（如 1栋2单元301）。",
        "身份证号、电话请设为文本格式，否则 Excel 会把18位号码的后几位变成0。",
        "与户主关系：户主、配偶、子女、父母、孙子女、兄弟姐妹、其他。",
        "人口类型：户籍人口或流动人口。",
        "重点人群：" + "、".join(str(label) for label in CareGroup.labels) + "；可填多个，用顿号分隔。",
        "党员类型：社区党员、在职党员、流动党员、无职党员（填中共党员、预备党员或“是”按社区党员）；"
        "群众、否，或共青团员、民主党派成员、无党派人士等其他政治面貌为非党员。再次导入时不填则不改。",
        "同一户的成员填写相同的楼栋、单元和门牌号。再次导入时按身份证号更新。",
        "再次导入时，联系电话、重点人群留空则不改；填“无”则清除已登记的内容（如低保已停、电话已注销）。",
    ]
    for i, line in enumerate(lines):
        notes.write_string(i, 0, line)
    notes.set_column(0, 0, 80)
    book.close()
