"""Checking an uploaded register row by row and planning what an import would change.

Nothing here writes: ``plan`` reads the file, the community's buildings and households
and the residents already registered, and returns every row's problems (row, column,
value, reason) and, for good rows, what importing would do with them (new, changed,
unchanged, moved household). ``services.apply_plan`` writes a plan without errors.

A plan is checked (dry run) and confirmed later, maybe after someone else changed the same
residents: ``Plan.fingerprint`` records at the check what each row would do and over which
registered values, ``changed_since`` compares it with the plan made at the confirmation,
and ``written_over_since`` checks the rows once more inside the writing transaction.

Each resident is checked by ``people.services.build_resident``, the same rule as a
resident registered on a page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connection

from shequ.access.masking import mask_free_text, mask_id_number, mask_phone
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import child_path, under
from shequ.core import fieldcrypt
from shequ.core.bulk import unsaved
from shequ.core.errors import Conflict, ValidationFailed
from shequ.core.texts import CLEAR_WORDS
from shequ.people import idcard
from shequ.people.models import Household, PartyMemberKind, Resident
from shequ.people.services import ResidentInput, build_resident
from shequ.registry import cells
from shequ.registry.columns import BY_KEY, LABELS
from shequ.registry.workbook import Book, Sheet

# build_resident's field names → the import's columns (gender/birth date fall back to the
# ID number column when the file has no such column: the contradiction is in the number).
_PEOPLE_FIELD = {"name": "name", "id_number": "id_number", "gender": "gender", "birth_date": "birth_date"}
COMPARED = (
    "name",
    "gender",
    "birth_date",
    "phone_hash",
    "relation",
    "residence_type",
    "care_tags",
    "party_member_kind",
)
COMPARED_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "phone_hash": "联系电话",
    "relation": "与户主关系",
    "residence_type": "人口类型",
    "care_tags": "重点人群",
    "party_member_kind": "党员类型",
    "household": "所在户",
}

# 政治面貌 by GB/T 4762, full and short names (and the usual spoken ones): the two CPC
# statuses are members, every other status is not (a 政治面貌 column maps to 党员类型).
POLITICAL_STATUS = {
    "中国共产党党员": PartyMemberKind.LOCAL,
    "中共党员": PartyMemberKind.LOCAL,
    "中国共产党预备党员": PartyMemberKind.LOCAL,
    "中共预备党员": PartyMemberKind.LOCAL,
    "中国共产主义青年团团员": "",
    "共青团员": "",
    "中国国民党革命委员会会员": "",
    "民革会员": "",
    "民革党员": "",
    "中国民主同盟盟员": "",
    "民盟盟员": "",
    "中国民主建国会会员": "",
    "民建会员": "",
    "中国民主促进会会员": "",
    "民进会员": "",
    "中国农工民主党党员": "",
    "农工党党员": "",
    "中国致公党党员": "",
    "致公党党员": "",
    "九三学社社员": "",
    "台湾民主自治同盟盟员": "",
    "台盟盟员": "",
    "无党派民主人士": "",
    "无党派人士": "",
    "群众": "",
    "少先队员": "",
    "团员": "",
    "民主党派": "",
    "民主党派成员": "",
}

# 党员类型 as registers write it, or their 政治面貌 / 是否党员 column: the model's kinds, and
# the words that mean "not a member". A bare 是/党员 is a member of the community's own
# branch (社区党员) until someone records otherwise.
PARTY_WORDS = (
    {str(label): value for value, label in PartyMemberKind.choices}
    | POLITICAL_STATUS
    | {
        "预备党员": PartyMemberKind.LOCAL,
        "党员": PartyMemberKind.LOCAL,
        "是": PartyMemberKind.LOCAL,
        "否": "",
        "无": "",
        "非党员": "",
    }
)
PARTY_WORDS_HINT = (
    "可填：社区党员、在职党员、流动党员、无职党员，或政治面貌（中共党员、中共预备党员按社区党员）；"
    "不是党员填群众、否或其他政治面貌（如共青团员、民主党派成员、无党派人士）"
)


def party_member_kind(value: object) -> str:
    raw = cells.text(value)
    if not raw:
        return ""
    if raw not in PARTY_WORDS:
        raise cells.CellError(f"党员类型“{raw}”无法识别，{PARTY_WORDS_HINT}")
    return PARTY_WORDS[raw]


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.sheet, self.row, self.column, self.value, self.reason]


@dataclass
class Planned:
    resident: Resident  # built, unsaved; for changes it carries the existing pk
    action: str  # new / changed / unchanged / moved
    changed: tuple[str, ...] = ()
    before: dict[str, Any] | None = None  # changed / moved: the registered record as read

    def step(self) -> str:
        """What importing this row does, and over which registered values (a keyed digest
        of each, never the value): "" for nothing, "new", or "changed;phone_hash=…"."""
        if self.action in ("new", "unchanged"):
            return "" if self.action == "unchanged" else "new"
        assert self.before is not None
        parts = [self.action]
        for f in self.changed:
            value = self.before["household_id" if f == "household" else f]
            digest = fieldcrypt.lookup_hash(f"{self.before['id']}:{value}", f"registry.check.{f}")
            parts.append(f"{f}={digest[:12]}")
        return ";".join(parts)


@dataclass
class Plan:
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[Planned] = field(default_factory=list)
    new_households: list[Household] = field(default_factory=list)
    refused_rows: int = 0
    # The keyed hashes of the rows whose ID number was found registered but not taken as
    # the row's person (registered outside the community, or under another name): each
    # told the uploader that someone holds that number, a lookup by a complete number
    # (``people.services.note_number_lookups`` counts them before anything is shown).
    lookups: list[str] = field(default_factory=list)
    # Closing rows under the data (sheet, row, the word it starts with: 合计, 填表人…), and
    # how many template example rows were skipped: named to the uploader, never refused.
    skipped: list[tuple[str, int, str]] = field(default_factory=list)
    example_rows: int = 0
    # The file's headers whose columns hold something but are not imported (mapped to
    # nothing): named with the check's result, so that an edited export is not thought saved.
    ignored: list[str] = field(default_factory=list)
    typed: bool = True  # whether a column gives the 人口类型

    def summary(self) -> dict[str, int]:
        counts = {
            "total": self.total,
            "refused": self.refused_rows,
            "new_households": len(self.new_households),
        }
        for action in ("new", "changed", "unchanged", "moved"):
            counts[action] = 0
        for p in self.rows:
            counts[p.action] += 1
        return counts

    def fingerprint(self) -> dict[str, str]:
        """Each row's ``step`` by its ID number's keyed hash (cut short); rows that change
        nothing are left out. Kept with a checked run (``ImportRun.checked_plan``)."""
        return {p.resident.id_number_hash[:16]: step for p in self.rows if (step := p.step())}


class RegistryChanged(Conflict):
    """The registry changed, where a confirmed file would write, since the file was
    checked: nothing is written. ``described``: one text per resident (name and what)."""

    def __init__(self, described: list[str]) -> None:
        self.described = described
        super().__init__(changed_message(described), code="registry_changed")


def changed_message(described: list[str]) -> str:
    """Says what happened, naming residents and fields (never a value) and what to do."""
    head = f"检查之后，名册中有 {len(described)} 位居民已被他人修改"
    tail = "，已按现在的名册重新检查，请核对变更后再确认导入"
    message = f"{head}（如 {'；'.join(described[:2])}）{tail}"
    # ImportRun.message holds 300: long names lose the examples, never the advice.
    return message if len(message) <= 300 else head + tail


def _fields_of(step: str) -> set[str]:
    return set(step.split(";")[1:]) if step else set()


def changed_since(checked: dict[str, str], result: Plan) -> list[str]:
    """The rows of ``result`` (planned now) that would write something other than what the
    check that gave ``checked`` (``Plan.fingerprint``) showed, because someone changed the
    registry meanwhile: each described by name and field, never by value. A row that now
    changes nothing (someone already made the same change) writes nothing and is not listed."""
    described = []
    for p in result.rows:
        step = p.step()
        was = checked.get(p.resident.id_number_hash[:16], "")
        if not step or step == was:
            continue
        name = p.resident.name
        if was == "new":
            described.append(f"{name} 已由他人登记")
        elif step == "new":
            described.append(f"{name} 已不在名册中")
        else:
            keys = {part.split("=")[0] for part in _fields_of(was) ^ _fields_of(step)}
            described.append(_named(name, keys))
    return described


def _named(name: str, keys: set[str]) -> str:
    labels = [COMPARED_LABELS[f] for f in (*COMPARED, "household") if f in keys]
    return f"{name} 的{'、'.join(labels)}" if labels else name


def written_over_since(result: Plan) -> list[str]:
    """Inside the import's transaction, before writing: the residents the plan updates
    whose registered record is no longer the one the plan read, and the new ones registered
    meanwhile (another import or edit committed while the plan was made). The records read
    stay locked until the commit (PostgreSQL row locks; SQLite's write transaction is
    IMMEDIATE and runs alone)."""
    updated = {p.resident.pk: p for p in result.rows if p.before is not None}
    described = []
    ids = list(updated)
    seen: set[int] = set()
    for start in range(0, len(ids), 900):
        rows = Resident.objects.filter(pk__in=ids[start : start + 900])
        if connection.vendor == "postgresql":
            rows = rows.select_for_update()
        for now in rows.values(*_EXISTING_FIELDS):
            p = updated[now["id"]]
            seen.add(now["id"])
            before = p.before or {}
            if now != before:
                keys = {f for f in COMPARED if now[f] != before[f]}
                if now["household_id"] != before["household_id"]:
                    keys.add("household")
                described.append(_named(p.resident.name, keys))
    described += [f"{p.resident.name} 已不在名册中" for pk, p in updated.items() if pk not in seen]
    new = {p.resident.id_number_hash: p for p in result.rows if p.action == "new"}
    hashes = list(new)
    for start in range(0, len(hashes), 900):
        taken = Resident.objects.filter(id_number_hash__in=hashes[start : start + 900])
        for number_hash in taken.values_list("id_number_hash", flat=True):
            described.append(f"{new[number_hash].resident.name} 已由他人登记")
    return described


# Buildings are added by an operator (there is no page for it yet): the report says how.
ADD_BUILDING = "（新楼栋请管理员用 shequ areas add --kind building 添加）"
_NUMBERED = re.compile(r"^(\d+)\s*(栋|号楼|幢|号|楼|座)?$")
_NUMBERED_AFTER = re.compile(r"\D(\d+)(栋|号楼|幢|号|楼|座)$")


def _folded(text: str) -> str:
    """Full-width folded (NFKC), without spaces anywhere."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@lru_cache(maxsize=8192)  # doors (1单元101) and building names repeat row after row
def _key(text: str) -> str:
    return _folded(text)


def _door_key(address: str) -> str:
    return cells.door(_key(address))


class Buildings:
    """A community's buildings, found by name, code, or number (3 = 3栋 = 3号楼)."""

    def __init__(self, community: Area) -> None:
        self.by_key: dict[str, list[Area]] = {}
        for building in Area.objects.filter(under(community.path, "path"), kind=AreaKind.BUILDING):
            keys = {_key(building.name), building.code}
            # Its number, alone (3栋) or after a prefix (平安3号楼): a cell of just 3 or 3号楼
            # finds it when no other building of the community has that number.
            match = _NUMBERED.match(_key(building.name)) or _NUMBERED_AFTER.search(_key(building.name))
            if match:
                keys.add(f"#{int(match.group(1))}")
            for k in keys:
                self.by_key.setdefault(k, []).append(building)
        self.names = sorted((k for k in self.by_key if not k.startswith("#")), key=len, reverse=True)

    def find(self, value: str) -> Area:
        key = _key(value)
        found = self.by_key.get(key)
        if found is None:
            match = _NUMBERED.match(key)
            found = self.by_key.get(f"#{int(match.group(1))}") if match else None
        if not found:
            raise cells.CellError(f"楼栋“{value}”在本社区不存在{ADD_BUILDING}")
        if len({b.pk for b in found}) > 1:
            names = "、".join(sorted({b.name for b in found}))
            raise cells.CellError(f"楼栋“{value}”在本社区有多处（{names}），请填写完整名称")
        return found[0]

    def split_address(self, address: str) -> tuple[Area, str]:
        """现住址 → (building, the rest as the door): the longest building name it contains."""
        key = _key(address)
        for name in self.names:
            at = _find_whole(key, name)
            if at >= 0:
                rest = key[at + len(name) :].lstrip("-—,，")
                if not rest:
                    raise cells.CellError(f"现住址“{address}”没有门牌号")
                found = self.by_key[name]
                if len({b.pk for b in found}) > 1:
                    names = "、".join(sorted({b.name for b in found}))
                    raise cells.CellError(f"现住址“{address}”中的楼栋在本社区有多处（{names}），请填写楼栋列")
                return found[0], rest.removesuffix("室")
        raise cells.CellError(f"现住址“{address}”中没有找到本社区的楼栋{ADD_BUILDING}")


def _find_whole(key: str, name: str) -> int:
    """Where ``name`` starts in ``key`` at the start or after a non-digit (1栋 is not in
    11栋), or -1."""
    at = key.find(name)
    while at >= 0:
        if at == 0 or not (key[at - 1].isdigit() and name[0].isdigit()):
            return at
        at = key.find(name, at + 1)
    return -1


class Households:
    """The community's households by (building, door), and codes for new ones."""

    def __init__(self, community: Area) -> None:
        self.by_door: dict[tuple[int, str], Household] = {}
        self.codes: set[str] = set()
        self.count: dict[int, int] = {}
        for h in Household.objects.filter(under(community.path)).only(
            "id", "code", "building_id", "address", "area_path"
        ):
            # Keyed as incoming doors are read (二单元301 is 2单元301): households registered
            # before units were read as numbers are found again, not doubled.
            self.by_door[(h.building_id, _door_key(h.address))] = h
            self.codes.add(h.code)
            self.count[h.building_id] = self.count.get(h.building_id, 0) + 1
        self.new: list[Household] = []

    def get(self, building: Area, door: str) -> Household:
        found = self.by_door.get((building.pk, _door_key(door)))
        if found is not None:
            return found
        n = self.count.get(building.pk, 0)
        while True:
            n += 1
            code = f"{building.code}H{n:04d}"
            if code not in self.codes:
                break
        self.count[building.pk] = n
        self.codes.add(code)
        household = unsaved(
            Household,
            code=code,
            building_id=building.pk,
            area_path=child_path(building.path, code),
            address=door,
        )
        Household.building.field.set_cached_value(household, building)
        self.by_door[(building.pk, _door_key(door))] = household
        self.new.append(household)
        return household


def _door(entrance: str, room: str) -> str:
    return f"{entrance}单元{room}" if entrance else room


def column_index(sheet: Sheet, mapping: dict[str, str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for col, header in enumerate(sheet.headers):
        key = mapping.get(header, "")
        if key and key not in index:
            index[key] = col
    return index


def plan(
    book: Book,
    mapping: dict[str, str],
    community: Area,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    result = Plan(total=book.row_count)
    buildings = Buildings(community)
    households = Households(community)
    first_row: dict[str, tuple[str, int]] = {}  # id hash → (sheet, row) first seen
    good: list[tuple[Sheet, int, dict[str, str], Resident, frozenset[str]]] = []
    today = date.today()  # once: each call reads the clock and the local time zone
    done = 0
    for sheet in book.sheets:
        index = column_index(sheet, mapping)
        headers = sheet.headers
        for number, row in sheet.rows:
            done += 1
            if progress and done % 2000 == 0:
                progress(done, result.total)
            # Each mapped cell cleaned once; the checks below read these.
            texts = {key: cells.text(row[col]) if col < len(row) else "" for key, col in index.items()}
            if not any(texts.values()) or _is_example(texts):
                # Only a 序号, a note or formula leftovers (a blank row), or the template's
                # own example row, kept above the residents typed under it.
                result.total -= 1
                result.example_rows += 1 if any(texts.values()) else 0
                continue
            if not texts.get("id_number") and (word := _footer_word(row)):
                # 合计, 填表人, 审核人, 填表日期 under the data: not a resident, named as skipped.
                result.total -= 1
                result.skipped.append((sheet.name, number, word))
                continue
            row_errors = _check_row(
                sheet, number, row, index, texts, headers, buildings, households, first_row, today
            )
            if isinstance(row_errors, list):
                result.errors.extend(row_errors)
                result.refused_rows += 1
                continue
            resident, named, given = row_errors
            good.append((sheet, number, named, resident, given))
    _compare_with_registered(result, good, community)
    result.ignored = ignored_columns(book, mapping)
    result.typed = "residence_type" in mapping.values()
    used = {id(p.resident.household) for p in result.rows}
    result.new_households = [h for h in households.new if id(h) in used]
    order = {sheet.name: i for i, sheet in enumerate(book.sheets)}
    result.errors.sort(key=lambda e: (order.get(e.sheet, 0), e.row))
    return result


_EXAMPLE = {key: BY_KEY[key].example for key in ("name", "id_number")}


# The words closing rows under a register's data start with (合计：120人, 填表人：李四,
# 审核人, 填表日期：…), in their first filled cell.
FOOTER = re.compile(
    r"(合计|总计|小计|共计|填表人|制表人|填报人|录入人|统计人|审核人|审批人|负责人"
    r"|填表日期|制表日期|填报日期|统计日期|填表单位|填报单位|备注|说明)"
)


def _footer_word(row: list[object]) -> str:
    """The closing word a row without an ID number starts with (past a 序号 dragged down
    beyond the data), or ""."""
    first = next((t for cell in row if (t := cells.text(cell)) and not t.isdigit()), "")
    found = FOOTER.match(first.replace(" ", ""))
    return found.group(1) if found else ""


def skipped_note(plan: Plan, sheets: int) -> str:
    """Names the closing rows skipped (their word only, never what follows it)."""
    if not plan.skipped:
        return ""
    named = "、".join(
        (f"工作表“{sheet}”" if sheets > 1 else "") + f"第{row}行（{word}）"
        for sheet, row, word in plan.skipped
    )
    return f"表尾的 {len(plan.skipped)} 行不是居民，已跳过：{named}"


# The floating population export's own columns (``services.FLOATING_HEADERS``): kept on
# the resident's 流动人口 form, one resident at a time, never by the registry import.
FLOATING_ONLY = frozenset(
    {"房东", "租期开始", "租期结束", "工作单位", "居住证号", "居住证有效期至", "户籍地"}
    | {"来本地日期", "离开日期"}
)
# Columns every register numbers its rows with: not worth naming as left out.
_NUMBERING = {"序号", "编号", "序"}


def ignored_columns(book: Book, mapping: dict[str, str]) -> list[str]:
    """The headers, in the file's order, of columns mapped to nothing that hold a value in
    some row (a 序号 aside)."""
    found: dict[str, None] = {}
    for sheet in book.sheets:
        for col, header in enumerate(sheet.headers):
            if not header or mapping.get(header) or header in found or _folded(header) in _NUMBERING:
                continue
            if any(col < len(row) and cells.text(row[col]) for _, row in sheet.rows):
                found[header] = None
    return list(found)


def ignored_note(plan: Plan) -> str:
    """Names the columns the import leaves out, and where the floating population's are kept."""
    if not plan.ignored:
        return ""
    floating = [h for h in plan.ignored if _folded(h) in FLOATING_ONLY]
    others = [h for h in plan.ignored if h not in floating]
    parts = []
    if others:
        parts.append("、".join(others))
    if floating:
        where = "（流动人口的租住、工作和居住证信息不随居民导入更新，请在该居民的流动人口信息中修改）"
        parts.append("、".join(floating) + where)
    note = f"这些列没有导入，其中的内容不会写入名册：{'；'.join(parts)}"
    new = sum(1 for p in plan.rows if p.action == "new")
    if floating and not plan.typed and new:
        # The floating list's own export has no 人口类型: a tenant added to it is not
        # registered as 流动人口 unless the file says so.
        note += (
            f"；文件没有“人口类型”列，新登记的 {new} 人按户籍人口登记，流动人口请加“人口类型”列填写流动人口"
        )
    return note


def nothing_message(plan: Plan) -> str:
    """Why a file without a resident row imports nothing."""
    if plan.example_rows:
        return (
            "文件中没有要导入的居民：只有模板的示例行（张三），已跳过；请在示例行下面逐行填写居民后重新上传"
        )
    return "文件中没有要导入的居民（只有空行或表尾的合计、填表人等），没有写入任何数据"


def _is_example(texts: dict[str, str]) -> bool:
    """The template's example row (张三, 11010519491231002X): a valid row that would
    otherwise be registered in every community whose worker left it in."""
    return all(texts.get(key, "").upper() == value for key, value in _EXAMPLE.items())


def _check_row(
    sheet: Sheet,
    number: int,
    row: list[object],
    index: dict[str, int],
    texts: dict[str, str],
    headers: list[str],
    buildings: Buildings,
    households: Households,
    first_row: dict[str, tuple[str, int]],
    today: date,
) -> list[RowError] | tuple[Resident, dict[str, str], frozenset[str]]:
    errors: list[RowError] = []

    def raw(key: str) -> object:
        col = index.get(key)
        return row[col] if col is not None and col < len(row) else None

    def text(key: str) -> str:
        return texts.get(key, "")

    def header(key: str) -> str:
        col = index.get(key)
        return headers[col] if col is not None else LABELS[key]

    def fail(key: str, reason: str, value: object = None) -> None:
        shown = cells.text(raw(key) if value is None else value)
        if key == "id_number":
            shown = cells.shown_id_number(raw(key) if value is None else value)
            if "E" not in shown.upper():
                shown = mask_id_number(shown)
        elif key == "phone":
            shown = mask_phone(shown)
        if key in ("id_number", "phone"):
            # The reason may quote the value ("“1381234567”不是有效的…"): the report is read
            # by staff who may not see full numbers, so it quotes the masked one instead.
            typed = cells.text(raw(key) if value is None else value)
            if typed and typed != shown:
                reason = reason.replace(typed, shown)
            reason = mask_free_text(reason)
        errors.append(RowError(sheet.name, number, header(key), shown, reason))

    values: dict[str, Any] = {}
    for key, convert in (
        ("gender", cells.gender),
        ("birth_date", cells.a_date),
        ("relation", cells.relation),
        ("residence_type", cells.residence_type),
        ("care_tags", cells.care_tags),
        ("party_member_kind", party_member_kind),
    ):
        try:
            # A date needs the cell as Excel gave it (a serial, a date); the rest read text.
            values[key] = convert(raw(key) if key == "birth_date" else text(key))
        except cells.CellError as exc:
            fail(key, str(exc))
    name = text("name")
    if not name:
        fail("name", "姓名必填")
    number_text = ""
    try:
        number_text = cells.id_number(raw("id_number"))
        if not number_text:
            fail("id_number", "身份证号必填")
    except cells.CellError as exc:
        fail("id_number", str(exc))
    # A repeated ID number is reported whatever else is wrong with either row: the first
    # row holding it is remembered as soon as the number itself is valid.
    parsed = None
    if number_text:
        try:
            info = idcard.parse(number_text, today=today)
            parsed = (info, fieldcrypt.lookup_hash(info.number, "id_number"))
        except idcard.IdNumberError:
            pass  # build_resident reports it
    if parsed is not None:
        number_hash = parsed[1]
        seen = first_row.get(number_hash)
        if seen is not None:
            where = f"第{seen[1]}行" if seen[0] == sheet.name else f"工作表“{seen[0]}”第{seen[1]}行"
            fail("id_number", f"身份证号与{where}重复", number_text)
        else:
            first_row[number_hash] = (sheet.name, number)
    building: Area | None = None
    door = ""
    building_text = text("building")
    if building_text:
        try:
            building = buildings.find(building_text)
        except cells.CellError as exc:
            fail("building", str(exc))
        door = cells.door(_door(cells.entrance(text("entrance")), cells.room(text("room"))))
        if not text("room"):
            fail("room", "门牌号必填")
    elif "address" in index and text("address"):
        try:
            building, door = buildings.split_address(text("address"))
            door = cells.door(door)
        except cells.CellError as exc:
            fail("address", str(exc))
    else:
        fail("building", "楼栋必填")
    phone_text = text("phone")
    if "*" in phone_text:
        fail("phone", cells.MASKED_PHONE)
        phone_text = ""  # not reported a second time as an invalid number
    if errors and not number_text:
        return errors
    household = households.get(building, door) if building is not None and door else None
    data = ResidentInput(
        name=name,
        id_number=number_text,
        relation=values.get("relation", "other"),
        gender=values.get("gender", ""),
        birth_date=values.get("birth_date"),
        phone="" if phone_text in CLEAR_WORDS else phone_text,  # "无": taken off
        residence_type=values.get("residence_type", "registered"),
        care_tags=values.get("care_tags", ()),
        party_member_kind=values.get("party_member_kind", ""),
    )
    try:
        resident, _warnings = build_resident(
            data, household or Household(area_path="", building_id=0), parsed=parsed
        )
    except ValidationFailed as exc:
        for fname, reason in exc.fields.items():
            key = _PEOPLE_FIELD.get(fname, fname)
            if key in ("gender", "birth_date") and key not in index:
                key = "id_number"
            if key == "name" and not name:
                continue  # already reported as missing
            if key in (
                "gender",
                "birth_date",
                "relation",
                "residence_type",
                "care_tags",
                "party_member_kind",
            ) and any(e.column == header(key) for e in errors):
                continue
            if key == "id_number" and number_text == "":
                continue
            fail(key if key in LABELS else "name", reason)
        return errors
    if errors:
        return errors
    given = frozenset(k for k in KEPT_UNLESS_GIVEN if k in index and text(k))
    return resident, {key: header(key) for key in ("name", "id_number")}, given


# A re-import changes only what the file carries: a column left unmapped, or a cell left
# blank, keeps the registered value instead of the default a new resident would get
# (relation 其他, 户籍人口, no care tags, no phone, not a party member).
# The refusal of a number registered in another community (it does not say where).
REGISTERED_ELSEWHERE = (
    "该身份证号已登记在本社区以外的户中；导入只登记本社区的居民，"
    "系统暂不能把居民迁到另一个社区，请删去本行后再导入"
)
# The refusal of a number registered in the community under another name: not that
# resident with the name changed (a made-up name beside a guessed number told whether the
# guess was someone's; a mistyped number overwrote someone else). It names nobody.
NAME_DIFFERS = "身份证号已登记，但姓名与登记的不一致；如需更正姓名，请在该居民的详情页修改"
KEPT_UNLESS_GIVEN: dict[str, tuple[str, ...]] = {
    "phone": ("phone_enc", "phone_hash", "phone_masked"),
    "relation": ("relation",),
    "residence_type": ("residence_type",),
    "care_tags": ("care_tags",),
    "party_member_kind": ("party_member_kind",),
}
_EXISTING_FIELDS = (
    "id",
    "id_number_hash",
    "household_id",
    "area_path",
    "phone_enc",
    "phone_masked",
    *COMPARED,
)


def _compare_with_registered(
    result: Plan, good: list[tuple[Sheet, int, dict[str, str], Resident, frozenset[str]]], community: Area
) -> None:
    by_hash: dict[str, dict[str, Any]] = {}
    hashes = [r.id_number_hash for _, _, _, r, _ in good]
    for start in range(0, len(hashes), 900):
        for row in Resident.objects.filter(id_number_hash__in=hashes[start : start + 900]).values(
            *_EXISTING_FIELDS
        ):
            by_hash[row["id_number_hash"]] = row
    for sheet, number, named, resident, given in good:
        old = by_hash.get(resident.id_number_hash)
        if old is None:
            result.rows.append(Planned(resident, "new"))
            continue
        refused = None
        if not old["area_path"].startswith(community.path):
            refused = RowError(
                sheet.name, number, named["id_number"], resident.id_number_masked, REGISTERED_ELSEWHERE
            )
        elif _folded(resident.name) != _folded(old["name"]):
            # Compared as the file's names are read: full-width folded, without spaces
            # (names are stored in clear, as registered).
            refused = RowError(sheet.name, number, named["name"], resident.name, NAME_DIFFERS)
        if refused is not None:
            result.errors.append(refused)
            result.refused_rows += 1
            result.lookups.append(resident.id_number_hash)
            continue
        resident.pk = old["id"]
        for key, fields in KEPT_UNLESS_GIVEN.items():
            if key not in given:
                for f in fields:
                    setattr(resident, f, old[f])
        changed = tuple(f for f in COMPARED if getattr(resident, f) != old[f])
        household = resident.household
        moved = household.pk is None or household.pk != old["household_id"]
        if moved:
            result.rows.append(Planned(resident, "moved", (*changed, "household"), old))
        elif changed:
            result.rows.append(Planned(resident, "changed", changed, old))
        else:
            result.rows.append(Planned(resident, "unchanged"))
    result.lookups += _guesses_at(result.rows, community)


def _guesses_at(rows: list[Planned], community: Area) -> list[str]:
    """The keyed hashes of new rows under the name, masked number and birth year of a
    resident registered in the community (with another number, or the row would be that
    resident). The list shows those three, and they leave ~30 numbers: a file of them all
    under the resident's own name showed the registered one unchanged and the others new,
    which named the number at no charge. Each such row is a lookup by a complete number,
    as a search for it would be; a typo in a registered number is one too, rarely."""
    new: dict[tuple[str, int, str], list[str]] = {}
    for p in rows:
        if p.action == "new":
            r = p.resident
            new.setdefault((r.id_number_masked, r.birth_date.year, _folded(r.name)), []).append(
                r.id_number_hash
            )
    if not new:
        return []
    masked = sorted({key[0] for key in new})
    found: list[str] = []
    for start in range(0, len(masked), 900):
        registered = Resident.objects.under(community.path).filter(
            id_number_masked__in=masked[start : start + 900]
        )
        for number, born, name in registered.values_list("id_number_masked", "birth_date", "name"):
            found += new.pop((number, born.year, _folded(name)), [])
    return found
