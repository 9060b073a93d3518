"""Every write to the problem list: report, the lifecycle transitions, categories."""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import shapely
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from shequ.access import audit
from shequ.access.holders import holder_ids_of, holder_ids_statement, holders
from shequ.access.masking import mask_free_text
from shequ.access.models import User
from shequ.access.roles import Permission
from shequ.access.scope import assignments, can, has_anywhere, scope_paths
from shequ.areas import geo
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import codes
from shequ.core import rawsql
from shequ.core.errors import Conflict, NotFound, ValidationFailed
from shequ.core.idempotency import checked_key
from shequ.core.numbers import month_error, month_label, month_param
from shequ.core.texts import too_long
from shequ.notifications.services import notices as notification_rows
from shequ.notifications.services import notify, notify_unheard
from shequ.problems import photos, routing, selectors
from shequ.problems.lifecycle import OWNER, STATUS_LABELS, TRANSITIONS
from shequ.problems.models import (
    OPEN_STATUSES,
    AgendaItem,
    HandlingLevel,
    LedgerType,
    PhotoKind,
    Problem,
    ProblemCategory,
    ProblemEvent,
    ProblemPhoto,
    ReopenedClosing,
    ResponsibleRole,
    Source,
    Status,
)
from shequ.problems.selectors import get_problem, is_owner, nearby_open

STAFF_SOURCES = {Source.ON_BEHALF, Source.VISIT, Source.HOTLINE, Source.PATROL}
logger = logging.getLogger(__name__)


@dataclass
class ReportInput:
    category: str
    description: str
    source: str = Source.RESIDENT
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    area: str = ""  # an area code, where there is no pin (staff entering a hotline order)
    hotline_order_no: str = ""
    on_behalf_of: int | None = None
    idempotency_key: str = ""
    photos: list[Any] = field(default_factory=list)


def _place(actor: Any, data: ReportInput) -> tuple[Area, bool, dict[str, str], str]:
    """Where the problem is: the grid of the pin, else the community's triage. The last
    value says why a pin outside every grid is not kept ("" when it is): see _unused_pin."""
    errors: dict[str, str] = {}
    off_grid = False
    if (data.lon is None) != (data.lat is None):
        errors["lat"] = "经度和纬度要一起填写"
    elif data.lon is not None and data.lat is not None:
        if not geo.on_earth(data.lon, data.lat):
            errors.update(geo.off_earth(data.lon, data.lat))
        else:
            grids = geo.locate_all(data.lon, data.lat)
            if len(grids) > 1:
                # A pin on the border two grids share lies in both: the grid the reporter
                # may report in, not refused as the neighbouring community's (the first by
                # code when they may report in both, or in neither).
                grids.sort(key=lambda g: not _may_report_at(actor, g.path, data.source))
            if grids:
                return _grid_area(grids[0]), True, errors, ""
            off_grid = True
    area, located = _area_without_grid(actor, data, errors, pinned=off_grid)
    unused = ""
    if off_grid and area.path and data.lon is not None and data.lat is not None:
        unused = _unused_pin(data.lon, data.lat, area.path)
    return area, located, errors, unused


# A pin outside every grid from someone in no community (street staff): there is no
# community's triage to take it, so the place is asked for rather than the pin again.
PIN_OFF_GRID = "标出的位置不在任何网格内，请选择所在社区或网格"


def _area_without_grid(
    actor: Any, data: ReportInput, errors: dict[str, str], *, pinned: bool = False
) -> tuple[Area, bool]:
    if data.area:
        area = Area.objects.filter(code=data.area).first()
        if area is None:
            errors["area"] = f"区域编码 {data.area[:30]} 不存在"
        else:
            return area, locates(area)
    # No grid found: the community the reporter belongs to (its triage board).
    for _role, path in sorted(assignments(actor), key=lambda a: -len(a[1])):
        community = Area.objects.filter(code__in=codes(path), kind=AreaKind.COMMUNITY).first()
        if community is not None:
            return community, False
    if pinned:
        errors.setdefault("area", PIN_OFF_GRID)
    else:
        errors.setdefault("lat", "请在地图上标出位置或填写所在区域")
    return Area(path=""), False


# A pin outside every grid is kept (the community's triage places it) when it lies within
# this distance of a grid of the street: a tap just beside a grid, or in a lane between
# two. Farther, it is a tap on an empty map (a report form showed all of China and a tap
# "near the centre" was stored 1,000 km away, fed the 100 m duplicate check and stretched
# 民情地图 over the country), and the address carries the report instead.
PIN_REACH_METRES = 5000.0
_METRES_PER_DEGREE = 111_320.0
UNUSED_PIN_NOTES = {
    "no_grids": "本街道尚未划定网格，地图上标的点没有作为问题的位置，以填写的地址为准。",
    "far": "地图上标的点离本街道的网格都超过5公里，没有作为问题的位置，以填写的地址为准。",
}
# A pin not kept and no address: asked for on the form rather than filed with no place.
_UNUSED_PIN_ERRORS = {
    "no_grids": "本街道尚未划定网格，地图上标的点不能作为问题的位置，请填写地址",
    "far": "地图上标的点离本街道的网格都超过5公里，不能作为问题的位置，请填写地址",
}


def _unused_pin(lon: float, lat: float, path: str) -> str:
    """Why a pin outside every grid is not the problem's place: "no_grids" when the street
    of ``path`` has no grid drawn, "far" when it lies more than PIN_REACH_METRES from each
    of them, "" when it is kept."""
    street = f"/{codes(path)[0]}/"
    index = geo.get_index()
    mine = [i for i, g in enumerate(index.grids) if g.path.startswith(street)]
    if not mine:
        return "no_grids"
    # Metres on a flat projection about the pin: close enough over a few kilometres.
    kx, ky = _METRES_PER_DEGREE * math.cos(math.radians(lat)), _METRES_PER_DEGREE
    grids = shapely.transform(index.tree.geometries[mine], lambda xy: xy * (kx, ky))
    nearest = float(shapely.distance(grids, shapely.Point(lon * kx, lat * ky)).min())
    return "" if nearest <= PIN_REACH_METRES else "far"


def _grid_area(grid: geo.GridRef) -> Area:
    """The located grid as an Area, from the grid index's own copy of its row (the index
    is rebuilt whenever a grid changes), so a report does not read it again."""
    area = Area(id=grid.id, code=grid.code, name=grid.name, kind=AreaKind.GRID, path=grid.path)
    area._state.adding = False
    area._state.db = "default"
    return area


class KeyReused(ValidationFailed):
    """An Idempotency-Key sent again with another problem in it. Said as the page sees it
    (the form is given a new key, so 提交 again reports it); ``for_clients`` says it to an
    API or Open311 client, which has no 提交 to press but a key to change."""

    def __init__(self, number: str) -> None:
        super().__init__(
            {
                "idempotency_key": f"这张表单已经提交过（问题 {number}），现在填写的是另一件事。"
                "请再点一次“提交”，作为新问题上报"
            }
        )
        self.number = number

    def for_clients(self) -> ValidationFailed:
        return ValidationFailed(
            {
                "idempotency_key": f"这个 Idempotency-Key 已用于问题 {self.number}，这次的内容与那次不同，"
                "没有上报；上报新问题请换一个 Idempotency-Key"
            }
        )


def report_problem(actor: Any, data: ReportInput, *, ip: str = "") -> tuple[Problem, bool]:
    """Record a reported problem. Returns (problem, created); a repeated Idempotency-Key
    returns the first problem and created=False."""
    checked_key(data.idempotency_key)  # a key over 80 characters is refused, not cut short
    try:
        return _report(actor, data, ip)
    except (ValidationFailed, IntegrityError):
        # A retried submission: answer with the problem the first one recorded, even if
        # the retry itself no longer validates (say, its category was retired since).
        existing = _repeated(actor, data.idempotency_key)
        if existing is None:
            raise
        if (existing.category.code, existing.description) != (
            data.category,
            (data.description or "").strip(),
        ):
            # The same key with another problem in it: a form brought back with the
            # browser's Back button and filled in anew. Answering with the first problem
            # would drop the second without a word.
            raise KeyReused(existing.number) from None
        return existing, False


def order_number(typed: str) -> str:
    """A 12345 work order's number as stored and compared: full-width letters and digits
    (a Chinese input method) folded, spaces anywhere dropped (typed in groups), so that
    one order typed two ways is still one order, entered once."""
    return "".join(unicodedata.normalize("NFKC", typed or "").split())


def _repeated(actor: Any, key: str) -> Problem | None:
    key = key[:80]  # as stored: a longer key sent again finds its first problem
    if not key or not getattr(actor, "is_authenticated", False):
        return None
    return Problem.objects.filter(reporter=actor, idempotency_key=key).first()


def _report(actor: Any, data: ReportInput, ip: str) -> tuple[Problem, bool]:
    errors: dict[str, str] = {}
    # A form sends each line break as two characters (CRLF); counted and kept as one.
    description = (data.description or "").replace("\r\n", "\n").strip()
    if len(description) < 4:
        errors["description"] = "请描述问题（至少4个字）"
    too_long(errors, [("description", "问题描述", description, 2000)])
    if data.source not in Source.values:
        errors["source"] = "来源不在可选范围内"
    elif data.source in STAFF_SOURCES and not has_anywhere(actor, Permission.PROBLEM_HANDLE):
        errors["source"] = "只有网格员和社区工作人员可以代报、录入热线工单或巡查问题"
    # A work order number belongs to a 12345 order only (kept from no other report).
    order_no = order_number(data.hotline_order_no) if data.source == Source.HOTLINE else ""
    if (
        data.source == Source.RESIDENT
        and (data.hotline_order_no.strip() or data.on_behalf_of)
        and has_anywhere(actor, Permission.PROBLEM_HANDLE)
    ):
        # Staff who send one with the source left at its default (the page's, the API's):
        # filed as their own report, the order would be missing from the 接诉即办 ledger, and
        # the resident a 代报 was for lost, each without a word. (With 巡查 chosen on purpose
        # a leftover is ignored; so is an order number a resident sends with their own
        # report, who cannot choose 12345热线: kept, it would block the order.)
        if data.hotline_order_no.strip():
            errors["hotline_order_no"] = (
                "填写了12345工单号，来源却不是“12345热线”：请把来源改为12345热线，或清空工单号"
            )
        if data.on_behalf_of:
            errors["on_behalf_of"] = (
                "填写了代报的居民，来源却不是“网格员代报”：请把来源改为网格员代报，或清空代报居民"
            )
    if data.source == Source.HOTLINE and not order_no:
        errors["hotline_order_no"] = "12345热线工单需要填写工单号"
    too_long(
        errors, [("hotline_order_no", "12345工单号", order_no, 40), ("address", "地址", data.address, 200)]
    )
    if order_no and "hotline_order_no" not in errors:
        # One work order is one problem: a second entry of it would be counted twice in
        # the 接诉即办 ledger and the monthly report. A merged order is still entered: the
        # problem it was merged into (the last, if that was merged in turn) holds it.
        entered = (
            Problem.objects.filter(hotline_order_no=order_no, source=Source.HOTLINE).order_by("id").first()
        )
        if entered is not None:
            entered = _survivor(entered)
            # The problem is named only to who may see it (the number is city-wide).
            seen = can(actor, Permission.PROBLEM_VIEW, entered.area_path)
            where = f"问题 {entered.number}" if seen else "其他单位的问题"
            errors["hotline_order_no"] = f"工单号 {order_no} 已录入为{where}，请勿重复录入"
    on_behalf = None
    # The resident reported for, when they have an account: they follow the problem as
    # its reporter would (我的问题, its notices, 评价 and 重新打开).
    behalf_user: int | None = None
    if data.source == Source.ON_BEHALF:
        from shequ.people.selectors import get_resident

        try:
            on_behalf = get_resident(actor, data.on_behalf_of or 0)  # the same 404 rule
        except NotFound:
            errors["on_behalf_of"] = "请选择代报的居民（须在您的管辖范围内）"
        else:
            behalf_user = (
                User.objects.filter(resident_id=on_behalf.pk)
                .exclude(pk=actor.pk)
                .values_list("pk", flat=True)
                .first()
            )
    area, located, place_errors, unused_pin = _place(actor, data)
    errors.update(place_errors)
    if unused_pin and not data.address.strip():
        errors.setdefault("address", _UNUSED_PIN_ERRORS[unused_pin])
    if (
        not errors
        and not can(actor, Permission.PROBLEM_REPORT, area.path)
        and not _reports_in_community(actor, area, data.source)
    ):
        errors["area"] = "只能上报您所在社区或管辖范围内的问题"
    try:
        prepared = photos.prepare(list(data.photos))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        prepared = []
    if errors:
        if _active_category(data.category) is None:
            errors["category"] = _NO_CATEGORY
        raise ValidationFailed(errors)
    # What the writes need from the database, in one round trip: the category; who triages
    # here, read before the write transaction (on SQLite that transaction holds the
    # database's one write lock from its first statement, so it should hold it for the
    # writes alone; someone given the role in between misses this one notice); and on
    # PostgreSQL (rawsql.batched) the problem's id, from its sequence, since the rows are
    # written in one round trip below that needs it before the INSERT. (A report that then
    # fails leaves a gap in the numbers, as any rolled-back INSERT does.)
    batch = rawsql.batched()
    triage_read = holder_ids_statement(Permission.PROBLEM_TRIAGE, area.path)
    reads = [_category_statement(data.category)]
    reads += ([triage_read] if triage_read else []) + ([(_NEXT_PROBLEM_ID, [])] if batch else [])
    found = rawsql.run(reads)
    if not found[0][1]:
        raise ValidationFailed({"category": _NO_CATEGORY})
    category = rawsql.load(ProblemCategory, found[0][1][0])
    triage = holder_ids_of(found[1][1]) if triage_read else []
    # Nobody holds 立案 here or above (staff not set up yet): the reporter is told, the
    # report event and the audit row say so, and the log names it for the operator.
    unheard = not triage
    # What the reporter is told besides 已上报 (report_notes): kept on the report event.
    flags: dict[str, Any] = {"pin_unused": unused_pin} if unused_pin else {}
    if unheard:
        flags["unheard"] = True
    now = timezone.now()
    # For the same reason the rows are built and their values made ready here, and
    # written inside by hand-written INSERTs (shequ.core.rawsql: the same values as
    # Model.objects.create(), a tenth of its Python); docs/decisions/0004-hot-create-path.md.
    problem = Problem(
        id=found[-1][1][0][0] if batch else None,
        category=category,
        description=description,
        source=data.source,
        hotline_order_no=order_no,
        reporter=actor,
        on_behalf_of=on_behalf,
        lon=None if unused_pin else data.lon,
        lat=None if unused_pin else data.lat,
        address=data.address.strip(),
        area=area,
        area_path=area.path,
        located=located,
        # The category's defaults; the place-specific proposal is made at 立案.
        handling_level=category.handling_level,
        responsible_role=category.responsible_role,
        ledger_type=_ledger_type(category, data.source),
        month=f"{timezone.localtime(now):%Y%m}",
        reported_at=now,
        idempotency_key=data.idempotency_key[:80],
    )
    problem_row = rawsql.Prepared(problem)
    follower_row = rawsql.Prepared(Problem.followers.through(user_id=actor.pk), later=["problem_id"])
    event_row = rawsql.Prepared(
        ProblemEvent(
            action="report",
            from_status="",
            to_status=Status.REPORTED,
            actor=actor,
            note="",
            data={"source": data.source, **flags},
            at=now,
        ),
        later=["problem_id"],
    )
    detail = {"note": "本社区及上级均无人负责立案，这条上报没有通知任何人"} if unheard else None
    stored = photos.store_all(prepared)
    try:
        if batch and behalf_user is None:
            _write_in_one_batch(problem, problem_row, follower_row, event_row, triage, stored, ip, detail)
        else:
            with transaction.atomic():
                problem_row.insert()
                follower_row.insert(problem_id=problem.pk)
                if behalf_user is not None:
                    problem.followers.add(behalf_user)
                event = event_row.insert(problem_id=problem.pk)
                if stored:
                    _attach(problem, event, stored, PhotoKind.REPORT)
                notify(triage, _triage_notice(problem), f"/problems/{problem.pk}/", skip=actor)
                if behalf_user is not None:
                    # The resident it was reported for follows it from now: they are told
                    # it was filed, not first by its 立案 (or 不予立案).
                    notify(
                        [behalf_user],
                        f"{actor}为您代报了问题：{category.name}（{problem.number}），可在“我的问题”中查看进展",
                        f"/problems/{problem.pk}/",
                    )
                # Last: on PostgreSQL the audit append takes the lock that every audited
                # write queues on, and holds it to the commit.
                audit.record(actor, "problem.report", area_path=area.path, obj=problem, detail=detail, ip=ip)
    except Exception:
        photos.remove(stored)
        raise
    if unheard:
        logger.warning(
            "problem %s reported at %s: nobody holds problem.triage there or above, nobody was told",
            problem.number,
            area.path,
        )
    problem.report_flags = flags  # type: ignore[attr-defined]  # read by report_notes
    return problem, True


UNHEARD_NOTE = (
    "本社区还没有设置受理问题的工作人员，暂时没有人会收到这条上报。急事请直接联系社区居委会或拨打12345热线。"
)


def _survivor(problem: Problem) -> Problem:
    """The problem a merged one lives on in: what it was merged into, followed to the end
    of the chain (a survivor merged in turn)."""
    seen = {problem.pk}
    while problem.merged_into_id is not None and problem.merged_into_id not in seen:
        seen.add(problem.merged_into_id)
        problem = Problem.objects.get(pk=problem.merged_into_id)
    return problem


def report_notes(problem: Problem) -> list[str]:
    """What a reporter is told besides 已上报, as the problem page says it: a pin not used
    as the place, and while the report waits (已上报), nobody to triage it. From the report
    just made, else (a retried submission, the API's answer for the problem) its report
    event."""
    flags = getattr(problem, "report_flags", None)
    if flags is None:
        event = problem.events.filter(action="report").values_list("data", flat=True).first()
        flags = event or {}
    notes = [UNUSED_PIN_NOTES[flags["pin_unused"]]] if flags.get("pin_unused") in UNUSED_PIN_NOTES else []
    waiting = problem.status == Status.REPORTED
    return notes + ([UNHEARD_NOTE] if flags.get("unheard") and waiting else [])


def _ledger_type(category: ProblemCategory, source: str) -> str:
    """The ledger a problem is kept in: its category's, except that every 12345 work
    order is kept in 接诉即办, whatever it is about (that ledger is where the hotline's
    orders, their deadlines and answers are accounted for)."""
    return LedgerType.HOTLINE if source == Source.HOTLINE else category.ledger_type


_NEXT_PROBLEM_ID = "SELECT nextval(pg_get_serial_sequence('problems_problem', 'id'))"


def _triage_notice(problem: Problem) -> str:
    return f"新问题待立案：{problem.category.name}（{problem.number}）"


def _write_in_one_batch(
    problem: Problem,
    problem_row: rawsql.Prepared,
    follower_row: rawsql.Prepared,
    event_row: rawsql.Prepared,
    triage: list[int],
    stored: list[photos.StoredPhoto],
    ip: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """PostgreSQL: the problem (its id taken beforehand), follower, timeline row, notices
    and audit row as one batch, one round trip (shequ.core.rawsql.run), the audit lock
    and append last as before. Outside a transaction of the caller's, and without photos
    (their rows go through the ORM), the batch is the transaction: PostgreSQL runs the
    statements of one message as one implicit transaction, committed when the last one
    succeeds and rolled back whole when any fails, so neither BEGIN nor COMMIT costs a
    round trip, and the answer still comes after the commit."""
    actor = problem.reporter
    notices = notification_rows(triage, _triage_notice(problem), f"/problems/{problem.pk}/", skip=actor)
    row = audit.build(actor, "problem.report", area_path=problem.area_path, obj=problem, detail=detail, ip=ip)
    statements = [
        problem_row.statement(),
        follower_row.statement(problem_id=problem.pk),
        event_row.statement(problem_id=problem.pk),
        *rawsql.insert_many_statements(notices),
        *audit.append_statements(row),
    ]
    if stored or connection.in_atomic_block:
        with transaction.atomic():
            results = rawsql.run(statements)
            if stored:
                _attach(problem, event_row.done(results[2]), stored, PhotoKind.REPORT)
    else:
        results = rawsql.run(statements)
    problem_row.done(results[0])
    follower_row.done(results[1])
    event_row.done(results[2])
    audit.appended(row, results[-1])


_NO_CATEGORY = "请选择问题类别"


def _category_statement(code: str) -> rawsql.Statement:
    """The active category ``code`` by a hand-written SELECT (shequ.core.rawsql; every
    report reads it): the same row as ``filter(code=code, active=True).first()``."""
    # Only names from the code and placeholders are formatted in; values are bound.
    sql = f"SELECT {rawsql.columns(ProblemCategory, 'c')} FROM problems_problemcategory c"  # noqa: S608
    return sql + " WHERE c.code = %s AND c.active = %s", [code, True]


def _active_category(code: str) -> ProblemCategory | None:
    ((_, rows),) = rawsql.run([_category_statement(code)])
    return rawsql.load(ProblemCategory, rows[0]) if rows else None


def _may_report_at(actor: Any, path: str, source: str) -> bool:
    """Whether ``actor`` may report a problem placed at ``path`` (the check _report makes)."""
    if can(actor, Permission.PROBLEM_REPORT, path):
        return True
    return _reports_in_community(actor, Area(path=path), source)


def _reports_in_community(actor: Any, area: Area, source: str = Source.RESIDENT) -> bool:
    """Whoever may report somewhere in a community (a resident in their household, a 楼栋长
    in their building, a grid worker in their grid) may report anywhere in it: a pin
    outside their own place, or outside every grid (the community's triage). A staff
    login linked to its owner's registry record reports where they live as any resident
    (as it claims the public tasks there), with a resident's sources, not their work's;
    while it may report at all (a login whose roles were all revoked reports nowhere)."""
    paths = list(scope_paths(actor, Permission.PROBLEM_REPORT))
    resident = getattr(actor, "resident", None) if getattr(actor, "resident_id", None) else None
    if paths and resident is not None and source not in STAFF_SOURCES:
        paths.append(str(resident.area_path))
    for path in paths:
        parts = codes(path)
        if len(parts) >= 2 and area.path.startswith(f"/{parts[0]}/{parts[1]}/"):
            return True
    return False


def _event(
    problem: Problem, actor: Any, action: str, src: str, dst: str, note: str, data: dict, at: Any
) -> ProblemEvent:
    return rawsql.insert(
        ProblemEvent(
            problem=problem,
            action=action,
            from_status=src,
            to_status=dst,
            actor=actor,
            note=note,
            data=data,
            at=at,
        )
    )


def _attach(problem: Problem, event: ProblemEvent, stored: list[photos.StoredPhoto], kind: str) -> None:
    ProblemPhoto.objects.bulk_create(
        ProblemPhoto(
            problem=problem,
            event=event,
            kind=kind,
            file=p.file,
            sha256=p.sha256,
            width=p.width,
            height=p.height,
        )
        for p in stored
    )


@dataclass
class TransitionInput:
    action: str
    note: str = ""
    level: str = ""  # accept/dispatch: override the proposed level (with a note)
    responsible_role: str = ""
    responsible_party: str = ""
    # accept/dispatch: the code of a grid (estate, building) under an unplaced problem's
    # place, where staff place it (a pin just outside every grid, a hotline order).
    grid: str = ""
    into: int | None = None  # merge
    resolved: bool | None = None  # evaluate
    satisfaction: int | None = None  # evaluate
    photos: list[Any] = field(default_factory=list)  # report_back proof
    # The newest timeline step on the page the actor acted from: a step taken on what
    # the actor did not see (another's escalation, a second tap) is refused.
    seen: int | None = None


# The fields of 改派 and 合并, and the actions that read them (page and API).
READ_BY: dict[str, tuple[tuple[str, ...], str]] = {
    "into": (
        ("merge",),
        "填写了要合并到的问题编号，操作却不是“合并为重复问题”：请把操作改为合并，或清空编号",
    ),
    "responsible_party": (("dispatch",), "责任单位在派遣时填写：请把操作改为派遣，或清空责任单位"),
    "level": (
        ("accept", "dispatch"),
        "处置层级只在立案、派遣时改派，上报上一级只上报到上一级：请把处置层级改回“按建议”",
    ),
    "responsible_role": (("accept", "dispatch"), "责任方只在立案、派遣时改派：请把责任方改回“按建议”"),
    # A rating chosen with 重新打开 (未解决, 1星) was dropped without a word: it is a
    # step of its own, and the problem can still be reopened after it.
    "resolved": (
        ("evaluate",),
        "是否解决只在回访评价时记下：要评价请把操作改为“回访评价”（评价后仍可重新打开），不评价请选“暂不评价”",
    ),
    "satisfaction": (
        ("evaluate",),
        "满意度只在回访评价时记下：要评价请把操作改为“回访评价”（评价后仍可重新打开），不评价请把满意度改回“—”",
    ),
}


def fields_not_read(action: str, sent: dict[str, Any]) -> dict[str, str]:
    """The fields of ``READ_BY`` sent (not blank) with an action that does not read them,
    each with why: dropped without a word, a 编号 typed to merge into with the action left
    at 立案 accepted the duplicate as a problem of its own."""
    return {
        name: message
        for name, (readers, message) in READ_BY.items()
        if sent.get(name) not in (None, "") and action not in readers
    }


def _may(actor: Any, problem: Problem, permissions: tuple[str, ...]) -> bool:
    for perm in permissions:
        if perm == OWNER:
            if is_owner(actor, problem):
                return True
        elif can(actor, perm, problem.area_path):
            return True
    return False


# What a neighbour may follow: reports about a place. Not 民意直通车 (what someone wrote
# through it is theirs alone), nor a 12345 order, a 代报 or a visit's finding, which are
# about a person.
FOLLOWABLE_SOURCES = (Source.RESIDENT, Source.PATROL)


def follow(actor: Any, problem_id: int, lon: float, lat: float, *, ip: str = "") -> Problem:
    """关注: a resident who meets a problem already reported nearby follows it instead of
    reporting it again, and is then told of its steps and sees it in 我的问题 (they do
    not rate or reopen it: that is the reporter's). Only a problem the duplicate check
    shows for the place they are reporting (``lon``, ``lat``: open, the same category,
    within 100 m and 30 days, in their community) and of a followable source; anything
    else is the same 404 as a missing problem."""
    if not geo.on_earth(lon, lat):
        raise ValidationFailed(geo.off_earth(lon, lat))
    problem = (
        Problem.objects.select_related("area", "category")
        .filter(pk=problem_id, status__in=OPEN_STATUSES, source__in=FOLLOWABLE_SOURCES)
        .first()
    )
    if problem is None:
        _not_followable_now(actor, problem_id, lon, lat)
        raise NotFound("问题")
    if not can(actor, Permission.PROBLEM_REPORT, problem.area_path) and not _reports_in_community(
        actor, problem.area
    ):
        raise NotFound("问题")
    if all(p.pk != problem.pk for p in nearby_open(actor, problem.category.code, lon, lat)):
        raise NotFound("问题")
    with transaction.atomic():
        problem.followers.add(actor)
        audit.record(actor, "problem.follow", area_path=problem.area_path, obj=problem, ip=ip)
    return problem


def _not_followable_now(actor: Any, problem_id: int, lon: float, lat: float) -> None:
    """关注 tapped on a problem the hint showed that was merged or closed since: said so
    (409), not "不存在", for one the actor could have followed, reported within 100 m of
    the place they are reporting. Anything else stays the same 404 as a missing one."""
    gone = (
        Problem.objects.select_related("area", "merged_into")
        .filter(pk=problem_id, source__in=FOLLOWABLE_SOURCES)
        .exclude(status__in=OPEN_STATUSES)
        .first()
    )
    if gone is None or gone.lon is None or gone.lat is None or distance_m(lon, lat, gone.lon, gone.lat) > 100:
        return
    if not (can(actor, Permission.PROBLEM_REPORT, gone.area_path) or _reports_in_community(actor, gone.area)):
        return
    if gone.status == Status.MERGED and gone.merged_into is not None:
        raise Conflict(
            f"这个问题已合并到编号 {gone.merged_into.number} 的问题，不能再关注；"
            "附近仍在办理的同类问题会列在上报页，可关注那一条，或继续上报",
            code="merged",
        )
    if gone.status == Status.REJECTED:
        raise Conflict("这个问题已不予立案，不能再关注；问题仍然存在的，请继续上报", code="rejected")
    raise Conflict("这个问题已经办结，不能再关注；问题又出现的，请继续上报", code="closed")


NOTE_MAX = 1000  # a timeline step's note


def transition(actor: Any, problem_id: int, data: TransitionInput, *, ip: str = "") -> Problem:
    """Move a problem along its lifecycle, if the table allows it and the actor may."""
    problem = get_problem(actor, problem_id)
    rule = TRANSITIONS.get(data.action)
    if rule is None:
        raise ValidationFailed({"action": f"未知的操作“{data.action}”"})
    if not _may(actor, problem, rule.permissions):
        raise ValidationFailed({"action": f"您无权对该问题进行“{rule.label}”"})
    if data.seen is not None:
        _unchanged_since(actor, problem, data.action, data.seen)
    if problem.status not in rule.sources:
        raise ValidationFailed(
            {"action": f"问题当前为“{STATUS_LABELS[problem.status]}”，不能进行“{rule.label}”"}
        )
    note = (data.note or "").strip()
    if rule.note_required and len(note) < 2:
        said = "需要填写说明" if not note else f"的说明至少要 2 个字，您只填写了“{note}”"
        raise ValidationFailed({"note": f"“{rule.label}”{said}"})
    # Every viewer of the problem reads its timeline: an unbounded note (800,000
    # characters of 督办) made the page megabytes long. As long as a task's proof note.
    errors: dict[str, str] = {}
    too_long(errors, [("note", "说明", note, NOTE_MAX)])
    if errors:
        raise ValidationFailed(errors)
    handler = _HANDLERS.get(data.action)
    now = timezone.now()
    if data.action == "report_back" and not data.photos:
        raise ValidationFailed({"photos": "反馈处置结果需要至少一张处置照片"})
    # Proof is required when reporting back; any other step may carry photos too (the
    # verifier's of a drain still blocked, a resident's when reopening), kept on its row
    # of the timeline rather than dropped.
    stored = photos.store_all(photos.prepare(list(data.photos))) if data.photos else []
    try:
        with transaction.atomic():
            locked = Problem.objects.select_for_update().get(pk=problem.pk)
            # As the actor saw it: its status, and its level (上报上一级 leaves the status as
            # it is, so two staff escalating at once would otherwise skip a level).
            if (locked.status, locked.handling_level) != (problem.status, problem.handling_level):
                # Moved since it was read: a second tap overlapping the first (the first
                # committed while this one stored its photos), or a colleague's step. The
                # step that moved it is named, with who took it ("您本人" for one's own
                # tap), as for a page opened before it; a client that sent no ``seen``
                # hears of the newest step.
                _unchanged_since(actor, locked, data.action, data.seen or 0)
                raise ValidationFailed({"action": "问题状态已被他人更新，请刷新后重试"})
            if data.seen is not None:
                _unchanged_since(actor, locked, data.action, data.seen)
            src = locked.status
            extra: dict[str, Any] = {}
            recipients: list[Any] = []
            if handler is not None:
                extra, recipients = handler(actor, locked, data, note, now)
            if rule.target is not None:
                locked.status = rule.target
            locked.save()
            event = _event(locked, actor, data.action, src, locked.status, note, extra, now)
            if stored:
                _attach(locked, event, stored, PhotoKind.PROOF)
            # A problem placed in a grid says where it was and where it went.
            placed: dict[str, Any] = {k: extra[k] for k in ("placed", "placed_from") if k in extra}
            audit.record(
                actor,
                f"problem.{data.action}",
                area_path=locked.area_path,
                obj=locked,
                detail=placed or None,
                ip=ip,
            )
            due = (
                f"，办理时限 {timezone.localtime(locked.due_at):%Y年%m月%d日 %H:%M}"
                if data.action == "dispatch" and locked.due_at
                else ""
            )
            if data.action == "merge" and locked.merged_into is not None:
                # Its followers now follow the other problem: named, so they can find it.
                due = f"，已并入问题 {locked.merged_into.number}，之后的进展在该问题中通知"
            elif data.action == "evaluate":  # what the resident said, not only that they rated
                due = f"（{'已解决' if locked.resolved else '未解决'}，满意度{locked.satisfaction}星）"
            if extra.get("agenda"):
                # Why the street is told of it: its next 联席会议 takes it up (as the timeline says).
                due += "，列入联席会议议题"
            notify(
                recipients,
                f"{locked.category.name}（{locked.number}）：{rule.label}{due}"
                + (f"——{mask_free_text(note)}" if note else ""),
                f"/problems/{locked.pk}/",
                skip=actor,
            )
    except Exception:
        photos.remove(stored)
        raise
    return locked


def _unchanged_since(actor: Any, problem: Problem, action: str, seen: int) -> None:
    """Refuse a step if the problem's timeline moved past ``seen``: two staff escalating
    from one page skipped a level, a dispatch from a page opened before an escalation
    sent the problem to the street, a second tap of 督办 urged twice. A supervisor's
    督办 meanwhile changes nothing to act on, and does not stop the handler's step; nor do
    a duplicate merged into the problem or a task made from it."""
    # Only steps of the lifecycle count: a duplicate merged in or a task made from the
    # problem (timeline rows of their own) change nothing the page acted on.
    steps = [a for a in TRANSITIONS if a != "urge" or action == "urge"]
    newer = ProblemEvent.objects.filter(problem=problem, pk__gt=seen, action__in=steps)
    last = newer.select_related("actor").order_by("-id").first()
    if last is None:
        return
    rule = TRANSITIONS.get(last.action)
    step = rule.label if rule is not None else "更新"
    # Staff are told who acted; a resident is not (a 民意直通车 reporter stays hidden),
    # except that it was themselves (a second tab, a second tap on a slow connection).
    if last.actor_id == getattr(actor, "pk", None):
        who = "您本人"
    elif can(actor, Permission.PROBLEM_HANDLE, problem.area_path):
        who = str(last.actor)
    else:
        who = "他人"
    raise Conflict(
        f"您打开页面之后，这个问题已由{who}于{timezone.localtime(last.at):%m月%d日%H:%M}进行了“{step}”，"
        f"现在为“{STATUS_LABELS[problem.status]}”。请查看最新情况后再操作"
    )


def _followers(problem: Problem) -> list[Any]:
    """Its followers, and the resident it was reported for (代报) through any login of
    theirs: one made after the report never became a follower, and was never told."""
    found = list(problem.followers.all())
    if problem.on_behalf_of_id is not None:
        from shequ.access.models import User

        found += list(User.objects.filter(resident_id=problem.on_behalf_of_id, is_active=True))
    return found


def _override(data: TransitionInput, note: str, problem: Problem) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if data.level and data.level != problem.handling_level:
        if data.level not in HandlingLevel.values:
            raise ValidationFailed({"level": "处置层级不在可选范围内"})
        changed["level"] = [problem.handling_level, data.level]
        problem.handling_level = data.level
        if not data.responsible_role:
            problem.responsible_role = routing.DEFAULT_ROLE_AT_LEVEL[data.level]
    if data.responsible_role and data.responsible_role != problem.responsible_role:
        if data.responsible_role not in ResponsibleRole.values:
            raise ValidationFailed({"responsible_role": "责任方不在可选范围内"})
        changed["responsible_role"] = [problem.responsible_role, data.responsible_role]
        problem.responsible_role = data.responsible_role
    if changed and len(note) < 2:
        raise ValidationFailed({"note": "改变系统建议的处置层级或责任方时，请说明理由"})
    return changed


# Where staff may place a problem that is not in a grid: the kinds a report is located in.
PLACEABLE_KINDS = (AreaKind.GRID, AreaKind.ESTATE, AreaKind.BUILDING)


def locates(area: Area) -> bool:
    """Whether a problem filed on ``area`` is located: in a grid, on a building, or on a
    小区 not divided into grids (the estate level's "小区（网格）"). A 小区 with grids in it
    is not: its route looked for a grid leader on the 小区 itself and reached nobody, and
    its grids' workers could not see a problem above their grid. It waits on the
    community's triage for its grid, as a problem filed on the community does."""
    if area.kind == AreaKind.ESTATE:
        return not Area.objects.under(area.path).filter(kind=AreaKind.GRID).exists()
    return area.kind in PLACEABLE_KINDS


def _place_in_grid(actor: Any, data: TransitionInput, p: Problem) -> dict[str, Any]:
    """Put an unplaced problem (pinned outside every grid, or filed on its community) in
    the grid staff chose under its place: estate-level handling then reaches that grid's
    worker, where it fell back on the community and reached nobody. The reported pin is
    kept. Returns what the timeline records ({} when no grid was chosen)."""
    code = (data.grid or "").strip()
    if not code:
        return {}
    if p.located:
        raise ValidationFailed({"grid": f"问题已定位在{p.area.name}，不能再选择网格"})
    area = Area.objects.filter(code=code).defer("geometry").first()
    # One answer for a code that does not exist and one outside the actor's scope.
    if area is None or not can(actor, Permission.PROBLEM_TRIAGE, area.path):
        raise ValidationFailed({"grid": f"所选网格的区域编码 {code[:30]} 不存在或不在您的管辖范围内"})
    if area.kind not in PLACEABLE_KINDS:
        raise ValidationFailed(
            {"grid": f"所选的{area.name}是{area.get_kind_display()}，请选择网格、小区或楼栋"}
        )
    if not locates(area):
        raise ValidationFailed({"grid": f"所选的{area.name}下设网格，请选择其中的网格"})
    if not area.path.startswith(p.area_path):
        raise ValidationFailed(
            {"grid": f"所选的{area.name}不在问题所在的{p.area.name}内，请选择{p.area.name}下的网格"}
        )
    previous = p.area.code
    p.area, p.area_path, p.located = area, area.path, True
    return {"placed": area.code, "placed_name": area.name, "placed_from": previous}


def _accept(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    p.accepted_at = now
    p.responded_at = p.responded_at or now
    placed = _place_in_grid(actor, data, p)
    changed = _override(data, note, p)
    return {**placed, **({"override": changed} if changed else {})}, _followers(p)


def _reject(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    p.responded_at = p.responded_at or now
    return {}, _followers(p)


def _merge(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    try:
        target = get_problem(actor, data.into or 0)
    except NotFound:
        raise ValidationFailed({"into": "要合并到的问题不存在或无权查看"}) from None
    # The target's row too, its status read under the lock (PostgreSQL): two staff merging
    # two duplicates into each other at once each hold their own problem and wait for the
    # other's. The server breaks that deadlock by failing one of them, which was a 500;
    # it is said as what happened, and the other merge goes through.
    try:
        target.status = Problem.objects.select_for_update().values_list("status", flat=True).get(pk=target.pk)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "40P01":  # deadlock_detected
            raise
        raise Conflict(
            f"另一位工作人员正同时把问题 {target.number} 合并到本问题，这次合并没有进行；请刷新后查看"
        ) from None
    # Said as what it is: the target is mostly one a colleague merged or rejected after
    # the page offering it was opened.
    if target.pk == p.pk:
        raise ValidationFailed({"into": "不能合并到本问题自身，请填写另一个问题的编号"})
    if target.status == Status.MERGED:
        survivor = _survivor(target)
        raise ValidationFailed(
            {"into": f"问题 {target.number} 已合并到问题 {survivor.number}，请改为合并到 {survivor.number}"}
        )
    if target.status == Status.REJECTED:
        raise ValidationFailed({"into": f"问题 {target.number} 已不予立案，不能作为合并目标"})
    if target.status in (Status.CLOSED, Status.EVALUATED):
        # The same place again after it was closed is the problem back, not a duplicate:
        # merged, the new report would wait under a problem nobody is handling.
        raise ValidationFailed(
            {"into": f"问题 {target.number} 已办结，不能作为合并目标；问题再次出现的，请对本问题立案处理"}
        )
    followers = _followers(p)
    if target.source not in FOLLOWABLE_SOURCES:
        # Whoever follows the duplicate follows the target after the merge and reads all of
        # it; what someone wrote through 民意直通车 (or a 12345 order, a 代报, a visit's
        # finding, which are about a person) is not for other residents to read.
        newcomers = [
            u
            for u in followers
            if u.pk != target.reporter_id and not can(u, Permission.PROBLEM_VIEW, target.area_path)
        ]
        if newcomers:
            raise ValidationFailed(
                {
                    "into": f"{target.number}来自{target.get_source_display()}，只有上报人和工作人员"
                    "能看到全文，不能让其他居民关注；可以反过来把它合并到本问题"
                }
            )
    p.merged_into = target
    p.responded_at = p.responded_at or now
    target.followers.add(*followers)
    ProblemEvent.objects.create(
        problem=target,
        action="merged_in",
        from_status=target.status,
        to_status=target.status,
        actor=actor,
        note=f"合并了重复问题 {p.number}",
        data={"from": p.pk},
        at=now,
    )
    return {"into": target.pk}, followers


def _dispatch(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    if not selectors.may_dispatch(actor, p):
        level = HandlingLevel(p.handling_level).label
        above = routing.responsible_area(p.area_path, p.handling_level)
        raise ValidationFailed(
            {
                "action": f"该问题已上报到{level}层级，应由{above.name if above else level}派遣，"
                "您不能再派遣或改派下级"
            }
        )
    placed = _place_in_grid(actor, data, p)
    changed = _override(data, note, p)
    if not p.located and HandlingLevel.ESTATE in (p.handling_level, routing.ROLE_SITS_AT[p.responsible_role]):
        # Routing would fall back on the community: nobody assigned, the grid worker never
        # told, while the page names 网格长 as responsible.
        raise ValidationFailed(
            {
                "grid": "问题还没有定位到网格：派遣到小区（网格）层级或交网格长办理，"
                "请先选择网格，或改派到社区层级"
            }
        )
    route = routing.route(p.category, p.area_path, level=p.handling_level, role=p.responsible_role)
    p.responsible_area = route.area
    p.assignee = route.assignee
    p.responsible_party = (data.responsible_party or "").strip()
    errors: dict[str, str] = {}
    too_long(errors, [("responsible_party", "责任单位", p.responsible_party, 100)])
    if p.handling_level == HandlingLevel.DEPARTMENT and not p.responsible_party:
        errors["responsible_party"] = "派遣到职能部门时请填写部门或共建单位名称"
    if errors:
        raise ValidationFailed(errors)
    p.dispatched_at = now
    p.due_at = now + timedelta(hours=settings.DEADLINE_HOURS[p.category.deadline_class])
    p.reminder_stage = 0
    recipients = [route.assignee] if route.assignee else _handlers_of(p)
    listed = (
        p.handling_level == HandlingLevel.STREET
        and route.area is not None
        and _put_on_agenda(p, route.area, now, again=False)
    )
    if listed and route.area is not None:  # the street learns of the item its next 联席会议 takes up
        recipients += holders(Permission.PROBLEM_TRIAGE, route.area.path)
    extra = {
        **placed,
        "assignee": route.assignee.pk if route.assignee else None,
        "due_at": p.due_at.isoformat(),
        **({"agenda": True} if listed else {}),
    }
    if changed:
        extra["override"] = changed
    # The reporter and followers learn who has it and by when (the notice names the time).
    return extra, recipients + _followers(p)


def _start(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    if p.assignee_id is None:
        p.assignee = actor
    return {}, _followers(p)


def _report_back(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    return {}, _checkers(p, {actor.pk})


def _checkers(p: Problem, did: set[Any]) -> list[Any]:
    """Who may check the work reported back on ``p``: the verifiers of the place other than
    who did it (``did``: user ids). Where that leaves nobody at the nearest level (the
    community's one member of staff did the work), those above (the street), or the
    problem waits at 已反馈 with nobody told."""
    found = [u for u in holders(Permission.PROBLEM_VERIFY, p.area_path) if u.pk not in did]
    if not found:
        found = [
            u for u in holders(Permission.PROBLEM_VERIFY, p.area_path, nearest_only=False) if u.pk not in did
        ]
    return found


def _not_own_work(actor: Any, p: Problem) -> None:
    if selectors.reported_back_by(p) == actor.pk:
        raise ValidationFailed({"action": "核查人不能是反馈处置结果的人，请由其他工作人员核查"})


def _workers(p: Problem) -> list[Any]:
    """The assignee, and whoever reported the work done when another handler of the place
    did it (a grid worker on a problem assigned to community staff)."""
    last = selectors.reported_back_by(p)
    return [*([p.assignee] if p.assignee else []), *([last] if last is not None else [])]


def _still_on_it(p: Problem, people: list[Any]) -> list[Any]:
    """Those of ``people`` (users or user ids: the workers) who may still open ``p``: a
    grid worker moved to another grid, or stopped, was told of its 结案, 返工 and rating
    by notices whose link answered 404."""
    ids = {getattr(u, "pk", u) for u in people}
    found = User.objects.filter(pk__in=ids, is_active=True) if ids else User.objects.none()
    return [u for u in found if can(u, Permission.PROBLEM_VIEW, p.area_path)]


def _verify_pass(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    _not_own_work(actor, p)
    p.closed_at = now
    # The residents who follow it learn it is closed; those who did the work, that it passed.
    return {"on_time": bool(p.due_at and now <= p.due_at)}, [*_followers(p), *_still_on_it(p, _workers(p))]


def _verify_fail(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    _not_own_work(actor, p)
    p.rework_count += 1
    # Back in the handler's hands: the reminders start over for them (told only to the
    # verifiers while it waited for 核查, an overdue problem was never called so to them).
    p.reminder_stage = 0
    _let_go_of_a_gone_assignee(p)
    return {"rework": p.rework_count}, [
        *_still_on_it(p, _workers(p)),
        *([] if p.assignee else _handlers_of(p)),
    ]


def _let_go_of_a_gone_assignee(p: Problem) -> None:
    """A problem back in hand (返工, 重新打开) whose 承办人 may no longer handle it (disabled,
    moved to another grid) goes to the place: it would sit in nobody's inbox."""
    if p.assignee is not None and not (
        p.assignee.is_active and can(p.assignee, Permission.PROBLEM_HANDLE, p.area_path)
    ):
        p.assignee = None


def _evaluate(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    # The rating counts in 解决率 and 满意率: the grid worker who reported a problem (巡查,
    # 代报) and did the work does not rate it, as nobody verifies their own.
    if selectors.reported_back_by(p) == actor.pk:
        raise ValidationFailed({"action": "回访评价不能由反馈处置结果的人进行，请由居民或其他工作人员回访"})
    errors = {}
    if data.resolved is None:
        errors["resolved"] = "请选择问题是否已解决"
    if data.satisfaction is None or not 1 <= int(data.satisfaction) <= 5:
        errors["satisfaction"] = "满意度请选择1到5星"
    if errors:
        raise ValidationFailed(errors)
    p.resolved = bool(data.resolved)
    p.satisfaction = int(data.satisfaction or 0)
    told = _still_on_it(p, [p.assignee] if p.assignee else [])
    if not p.resolved or p.satisfaction <= 2:
        # 未解决 or one or two stars: the verifiers who closed it are told too, so that
        # someone answerable follows it up (the resident may also reopen it).
        told += list(holders(Permission.PROBLEM_VERIFY, p.area_path))
    return {"resolved": p.resolved, "satisfaction": p.satisfaction}, told


def _undo_closing(p: Problem, at: Any) -> ReopenedClosing:
    """重新打开 at ``at``: the closing undone, as it stood, unsaved (for the caller to
    save, or the history import to write in bulk); ``p`` cleared of it, with a fresh time
    limit counted from ``at``. The closing stays counted in the months it was due and
    closed in (kpi.compute); the reopened problem starts a cycle of its own."""
    assert p.closed_at is not None  # the callers refuse a problem never closed
    p.reopen_count += 1
    closing = ReopenedClosing(
        problem=p,
        area_path=p.area_path,
        due_at=p.due_at,
        missed_due_at=p.missed_due_at,
        closed_at=p.closed_at,
        rework_count=p.rework_count,
        reworks_before=p.reworks_before,
        resolved=p.resolved,
        satisfaction=p.satisfaction,
        reopened_at=at,
    )
    p.missed_due_at = p.closed_at = p.resolved = p.satisfaction = None
    p.reworks_before = p.rework_count  # the new cycle has been sent back at 核查 0 times
    p.due_at = at + timedelta(hours=settings.DEADLINE_HOURS[p.category.deadline_class])
    return closing


def _reopen(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    if p.closed_at is None or selectors.reopen_lapsed(p, now):
        raise ValidationFailed({"action": f"结案超过{settings.REOPEN_DAYS}天的问题不能重新打开，请重新上报"})
    _undo_closing(p, now).save()
    p.reminder_stage = 0
    _let_go_of_a_gone_assignee(p)
    # Those who handle and check it, and every resident who follows it (a reporter whose
    # report was merged into it waits for it as much as the one who reopened it).
    recipients = [
        *([p.assignee] if p.assignee else _handlers_of(p)),
        *holders(Permission.PROBLEM_VERIFY, p.area_path),
        *_followers(p),
    ]
    return {"reopen": p.reopen_count}, recipients


def _escalate(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    up = routing.next_level(p.handling_level)
    if up is None:
        raise ValidationFailed({"action": "已是最高处置层级（职能部门），不能再上报"})
    if not selectors.may_escalate(actor, p):
        level = HandlingLevel(p.handling_level).label
        raise ValidationFailed(
            {"action": f"该问题由{level}层级办理，只有其承办人或该层级的工作人员可以上报上一级"}
        )
    previous = p.handling_level
    # Who was handling it no longer is (it leaves their inbox), and its reporter and
    # followers learn that another level now answers for it.
    released = [p.assignee] if p.assignee else []
    p.handling_level = up
    p.responsible_role = routing.DEFAULT_ROLE_AT_LEVEL[up]
    p.assignee = None
    # The 责任单位 the lower level dispatched to is not the new level's: its 派遣 names
    # its own (the timeline keeps the one it was taken from).
    party, p.responsible_party, p.responsible_area = p.responsible_party, "", None
    if p.due_at is not None and p.due_at < now and p.missed_due_at is None:
        p.missed_due_at = p.due_at  # escalating late does not erase the deadline missed
    p.due_at = None
    target = routing.responsible_area(p.area_path, up)
    listed = up == HandlingLevel.STREET and target is not None and _put_on_agenda(p, target, now, again=True)
    recipients = list(holders(Permission.PROBLEM_TRIAGE, target.path)) if target else []
    return {
        "from": previous,
        "to": up,
        **({"party": party} if party else {}),
        **({"agenda": True} if listed else {}),
    }, recipients + released + _followers(p)


def _put_on_agenda(p: Problem, street: Area, now: Any, *, again: bool) -> bool:
    """Put a problem that reached the street on the next joint meeting's agenda. With
    ``again`` (上报上一级), an item the meeting already took up goes back on it: sent down
    after the meeting and escalated again, it needs the meeting once more; so does one
    sent down before the meeting (no longer waiting, selectors.not_for_meeting), listed
    from the new escalation. A 派遣 at the street level after the meeting is its outcome,
    not a new item. Returns whether it was (re)listed."""
    item, created = AgendaItem.objects.get_or_create(
        problem=p, defaults={"street": street, "area_path": street.path}
    )
    if created:
        return True
    if not again:
        return False
    # 上报上一级 to the street comes from the community's level: the item was not waiting.
    return bool(
        AgendaItem.objects.filter(pk=item.pk).update(
            discussed_at=None, added_at=now, street=street, area_path=street.path
        )
    )


def _dispatchers(p: Problem) -> list[Any]:
    """Who dispatches a problem 立案 but not dispatched: the triage staff of its level
    (after 上报上一级 the next level's, not the community's)."""
    level_area = routing.responsible_area(p.area_path, p.handling_level)
    return list(holders(Permission.PROBLEM_TRIAGE, level_area.path if level_area else p.area_path))


def _urge(actor: Any, p: Problem, data: TransitionInput, note: str, now: Any) -> tuple[dict, list]:
    p.urge_count += 1
    # The urging goes to whoever the problem now waits on: the triage staff of its place to
    # answer a report (立案 is the place's, whatever level is proposed); the triage staff
    # of its level to dispatch it; reported back, its verifiers, but not who did the work
    # (nobody checks their own, as the reminders have it); before that, its handlers.
    if p.status == Status.REPORTED:
        told = list(holders(Permission.PROBLEM_TRIAGE, p.area_path))
    else:
        told = _dispatchers(p) if p.status == Status.ACCEPTED else _waited_on(p)
    return {"urge": p.urge_count}, told


_HANDLERS = {
    "accept": _accept,
    "reject": _reject,
    "merge": _merge,
    "dispatch": _dispatch,
    "start": _start,
    "report_back": _report_back,
    "verify_pass": _verify_pass,
    "verify_fail": _verify_fail,
    "evaluate": _evaluate,
    "reopen": _reopen,
    "escalate": _escalate,
    "urge": _urge,
}


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def send_due_reminders(now: Any = None) -> tuple[int, int]:
    """Tell whoever a problem waits on (its handlers; once reported back, its verifiers:
    结案 is judged on time at 核查) about problems due within a fifth of their category's
    time limit (at least an hour) and about those past due, once each. Returns (due soon,
    overdue) counts."""
    now = now or timezone.now()
    soon = overdue = 0
    waiting = (Status.DISPATCHED, Status.IN_PROGRESS, Status.REPORTED_BACK)
    open_dispatched = Problem.objects.filter(status__in=waiting, due_at__isnull=False).select_related(
        "category"
    )

    def unchanged(p: Problem) -> Any:
        # Conditional, so that two overlapping runs notify once, and on the time limit read,
        # so that a problem dispatched again meanwhile (a new limit, its stage reset) is
        # left to the next run instead of being called overdue on its old limit.
        return Problem.objects.filter(pk=p.pk, status__in=waiting, due_at=p.due_at)

    for p in open_dispatched.filter(reminder_stage__lt=2, due_at__lt=now):
        with transaction.atomic():
            if unchanged(p).filter(reminder_stage__lt=2).update(reminder_stage=2):
                notify(_waited_on(p), f"已超期：{_reminded(p)}", f"/problems/{p.pk}/")
                overdue += 1
    for p in open_dispatched.filter(reminder_stage=0, due_at__gte=now):
        assert p.due_at is not None
        # A fifth of the time limit the problem was given (a reopened problem's fresh
        # limit counts from the reopening, not from its first dispatch).
        limit = timedelta(hours=settings.DEADLINE_HOURS[p.category.deadline_class])
        window = max(timedelta(hours=1), limit / 5)
        if p.due_at - now <= window:
            with transaction.atomic():
                if unchanged(p).filter(reminder_stage=0).update(reminder_stage=1):
                    notify(_waited_on(p), f"即将到期：{_reminded(p)}", f"/problems/{p.pk}/")
                    soon += 1
    return soon, overdue


def _reminded(p: Problem) -> str:
    """What a due reminder names: the problem and its time limit, as 派遣's notice gave it
    (whether it is due in an hour or in a day was learnt only by opening it)."""
    assert p.due_at is not None
    return f"{p.category.name}（{p.number}），办理时限 {timezone.localtime(p.due_at):%Y年%m月%d日 %H:%M}"


def _waited_on(p: Problem) -> list[Any]:
    """Who a problem in hand waits on: once its work is reported back, the verifiers of
    the place (who did the work may not check it, so is not asked); before, its handlers."""
    if p.status == Status.REPORTED_BACK:
        did = {getattr(u, "pk", u) for u in _workers(p)}  # users, or the reporter-back's id
        return _checkers(p, did)
    return _handlers_of(p)


def _handlers_of(p: Problem) -> list[Any]:
    """Who answers for a problem in hand: its 承办人, else whoever may handle it where its
    responsible role sits (the community's staff for a secretary's problem, not the grid
    worker of the place) — the same people dispatch told, urges and reminders reach. A
    承办人 who may no longer handle it (disabled, moved to another grid) is passed over."""
    if (
        p.assignee is not None
        and p.assignee.is_active
        and can(p.assignee, Permission.PROBLEM_HANDLE, p.area_path)
    ):
        return [p.assignee]
    sits = routing.responsible_area(p.area_path, routing.ROLE_SITS_AT[p.responsible_role])
    return list(holders(Permission.PROBLEM_HANDLE, sits.path if sits else p.area_path))


def release_assignments(user: Any, *, actor: Any = None) -> int:
    """Open problems in the hands of someone who may no longer handle them (their account
    disabled, or their role at the place ended): given back to the place, 承办人 cleared,
    so that they show in its handlers' inboxes. They stayed with the old account, out of
    every inbox, and the reminders and urges went to it. Each problem's timeline says so
    (a 退回 step, by ``actor``, else the account itself) and its handlers are told, since a
    problem appearing in an inbox unannounced waits there unseen. Returns how many."""
    fresh = type(user).objects.get(pk=user.pk)  # roles as they are now, not as cached
    # In hand only: work reported back waits for its check, not for them, and keeps who did
    # it; a 返工 gives it back to the place (``_let_go_of_a_gone_assignee``).
    in_hand = (Status.DISPATCHED, Status.IN_PROGRESS)
    held = Problem.objects.filter(assignee=fresh, status__in=in_hand).select_related("category")
    gone = [p for p in held if not fresh.is_active or not can(fresh, Permission.PROBLEM_HANDLE, p.area_path)]
    if not gone:
        return 0
    now = timezone.now()
    Problem.objects.filter(pk__in=[p.pk for p in gone]).update(assignee=None, updated_at=now)
    reason = "disabled" if not fresh.is_active else "role_ended"
    name = fresh.display_name or fresh.username
    ProblemEvent.objects.bulk_create(
        ProblemEvent(
            problem=p,
            action="release",
            from_status=p.status,
            to_status=p.status,
            actor=actor or fresh,
            note=f"原承办人{name}不再承办，问题退回待重新安排",
            data={"reason": reason},
            at=now,
        )
        for p in gone
    )
    for p in gone:
        p.assignee = None
        notify(
            [u for u in _handlers_of(p) if u.pk != fresh.pk],
            f"原承办人不再承办，问题退回待重新安排：{p.category.name}（{p.number}）",
            f"/problems/{p.pk}/",
        )
    return len(gone)


def tell_waiting_triage(paths: list[str]) -> int:
    """Problems at or under ``paths`` waiting on triage — for 立案, or 立案 done for 派遣 —
    told to whoever triages them now and has not heard of them, when someone who triaged
    there has left (their role ended, their account stopped). They have no due time yet,
    so no reminders: told only to the staff of the day they came in, they waited unheard.
    Returns how many problems were told."""
    from shequ.areas.paths import under_any

    if not paths:
        return 0
    waiting = Problem.objects.filter(
        under_any(paths), status__in=(Status.REPORTED, Status.ACCEPTED)
    ).select_related("category")
    told = 0
    at_place: dict[str, list[Any]] = {}  # a street's worth of reports share a few places
    for p in waiting:
        link = f"/problems/{p.pk}/"
        if p.status == Status.REPORTED:
            if p.area_path not in at_place:
                at_place[p.area_path] = list(holders(Permission.PROBLEM_TRIAGE, p.area_path))
            staff, text = at_place[p.area_path], _triage_notice(p)
        else:
            staff, text = _dispatchers(p), f"问题待派遣：{p.category.name}（{p.number}）"
        if notify_unheard([u for u in staff if u.pk != p.reporter_id], text, link):
            told += 1
    return told


def tell_waiting_in_hand(paths: list[str]) -> int:
    """Problems at or under ``paths`` in hand (派遣, 办理中) or reported back for 核查, told
    to whoever they wait on now (``_waited_on``: their 承办人, else the place's handlers; the
    verifiers once reported back) and has not heard of them: someone appointed to a grid
    or a community, or left as its only handler. Returns how many problems were told."""
    from shequ.areas.paths import under_any

    if not paths:
        return 0
    waiting = Problem.objects.filter(
        under_any(paths), status__in=(Status.DISPATCHED, Status.IN_PROGRESS, Status.REPORTED_BACK)
    ).select_related("category", "assignee")
    told = 0
    for p in waiting:
        what = "问题待核查" if p.status == Status.REPORTED_BACK else "问题待办理"
        text = f"{what}：{p.category.name}（{p.number}）"
        if notify_unheard(_waited_on(p), text, f"/problems/{p.pk}/"):
            told += 1
    return told


def request_monthly_report(actor: Any, area_code: str, month: str) -> Any:
    """Queue the monthly report of an area; the job runs after the request commits."""
    from shequ.areas.selectors import get_area
    from shequ.problems.models import ReportRun

    area = get_area(actor, area_code, Permission.PROBLEM_EXPORT)
    if area.kind not in (AreaKind.STREET, AreaKind.COMMUNITY):
        # The form offers streets and communities: a grid's report, posted by hand, was made
        # and then refused when sent (街道的月报不需报送), for the wrong reason.
        raise ValidationFailed({"area": f"月报按街道或社区生成，“{area.name}”是{area.get_kind_display()}"})
    if month_param(month) != month:
        raise ValidationFailed({"month": month_error(month)})
    this_month = f"{timezone.localdate():%Y%m}"
    if month > this_month:
        raise ValidationFailed({"month": f"{month[:4]}年{int(month[4:])}月还没到，只能生成本月及以前的月报"})
    with transaction.atomic():
        run = ReportRun.objects.create(area=area, area_path=area.path, month=month, requested_by=actor)
        audit.record(actor, "problem.monthly_report", area_path=area.path, obj=run, detail={"month": month})
        transaction.on_commit(lambda: _enqueue_report(run.pk))
    return run


def submit_monthly_report(actor: Any, run_id: int, *, ip: str = "") -> Any:
    """报送街道: a community's finished report of a month, sent to its street, whose staff
    with ``problem.export`` are told. Sending a later run of the same month again is a
    correction: the street sees the newest, and whether the first came in time."""
    from shequ.problems.models import ReportRun, ReportRunStatus

    run = selectors.get_report_run(actor, run_id)
    if run.area.kind != AreaKind.COMMUNITY:
        raise ValidationFailed({"run": "只有社区的月报报送街道；街道的月报不需报送"})
    if run.status != ReportRunStatus.DONE:
        raise ValidationFailed({"run": "月报生成完成后才能报送街道"})
    if run.submitted_at is not None:
        sent = timezone.localtime(run.submitted_at)
        raise ValidationFailed({"run": f"这份月报已于{sent:%Y年%m月%d日 %H:%M}报送街道"})
    same_month = ReportRun.objects.filter(area=run.area, month=run.month, submitted_at__isnull=False)
    if same_month.filter(pk__gt=run.pk).exists():
        # The street would take the older figures for a correction of the newer ones.
        raise ValidationFailed({"run": "该月已报送了之后重新生成的月报，这份较早的月报不能再报送"})
    now = timezone.now()
    late = timezone.localtime(now).date() > selectors.report_due(run.month)
    name = f"{run.area.name}{month_label(run.month)}问题清单月报"
    with transaction.atomic():
        # The month's runs of the community locked (PostgreSQL), so two runs sent at once
        # are one first sending and one correction; and conditional, so two clicks (or two
        # colleagues) send one run once.
        list(ReportRun.objects.select_for_update().filter(area=run.area, month=run.month).values_list("pk"))
        if not ReportRun.objects.filter(pk=run.pk, submitted_at__isnull=True).update(
            submitted_at=now, submitted_by=actor
        ):
            raise ValidationFailed({"run": "这份月报已经报送街道"})
        again = same_month.exclude(pk=run.pk).exists()  # read after this one is marked
        audit.record(
            actor,
            "problem.monthly_report_submit",
            area_path=run.area_path,
            obj=run,
            detail={"month": run.month, "late": late, "correction": again},
            ip=ip,
        )
        street_path = "/".join(run.area_path.split("/")[:2]) + "/"
        said = "（更正）" if again else "（逾期）" if late else ""
        street = holders(Permission.PROBLEM_EXPORT, street_path)
        # Opened at the street's table of its communities' 报送, not at the runs above it.
        link = f"/problems/reports/?month={run.month}#submissions"
        told = notify(street, f"{name}已报送{said}", link, skip=actor)
    run.refresh_from_db()
    # Nobody at the street to tell (0): the page says so; unless the sender is the street's
    # own (recording a report handed in on paper), who knows of it.
    run.told = told or any(u.pk == actor.pk for u in street)
    return run


# A community's staff are reminded of the month's report from this many days before it
# is due (the 25th), until it is sent.
REPORT_REMINDER_DAYS = 5


def send_report_reminders(today: Any = None) -> int:
    """月报报送提醒: from REPORT_REMINDER_DAYS days before the 25th, the staff of each
    community that has not yet sent the month's report to its street (``problem.export``
    held at the community itself) are told once that it is due, and once more, after the
    25th, that it is late. The street's staff are not: their table of 报送 shows it. The
    notice's link and text make each once, so the job may run as often as it likes.
    Returns how many notices it sent."""
    from shequ.access.holders import holders_at
    from shequ.problems.models import ReportRun

    today = today or timezone.localdate()
    month = f"{today:%Y%m}"
    due = selectors.report_due(month)
    if today < due - timedelta(days=REPORT_REMINDER_DAYS):
        return 0
    sent = ReportRun.objects.filter(month=month, submitted_at__isnull=False).values("area_id")
    waiting = (
        Area.objects.filter(kind=AreaKind.COMMUNITY).exclude(pk__in=sent).defer("geometry").order_by("path")
    )
    label, day = month_label(month), f"{due.month}月{due.day}日"
    link = f"/problems/reports/?month={month}"
    count = 0
    for community in waiting:
        report = f"{community.name}{label}问题清单月报"
        if today <= due:
            text = f"月报报送提醒：{report}须在{day}前报送街道，尚未报送"
        else:
            text = f"月报逾期提醒：{report}已过{day}，尚未报送街道"
        staff = holders_at(Permission.PROBLEM_EXPORT, community.path)
        count += notify_unheard(staff, text, link, same_text=True)
    return count


def _enqueue_report(run_id: int) -> None:
    from shequ.problems.jobs import monthly_report

    monthly_report.enqueue(run_id)


@dataclass
class HistoryEvent:
    action: str
    at: Any
    actor: Any
    note: str = ""
    # 回访评价: the rating given at this step (else the row's); a later 重新打开 keeps it on
    # the closing it undoes.
    resolved: bool | None = None
    satisfaction: int | None = None
    # 反馈结果: the proof photos of this report-back (a live report-back needs one).
    photos: list[photos.StoredPhoto] = field(default_factory=list)


@dataclass
class HistoryRow:
    """A problem from an earlier register (or the demo), with the steps it went through."""

    category: ProblemCategory
    description: str
    source: str
    area: Area
    reporter: Any
    reported_at: Any
    events: list[HistoryEvent]
    on_behalf_of: Any = None  # the resident a 代报 was made for
    lon: float | None = None
    lat: float | None = None
    hotline_order_no: str = ""
    resolved: bool | None = None
    satisfaction: int | None = None
    responsible_party: str = ""
    assignee: Any = None
    report_photos: list[photos.StoredPhoto] = field(default_factory=list)
    # Proof photos of the row as a whole: put on its last report-back.
    proof_photos: list[photos.StoredPhoto] = field(default_factory=list)


def import_history(rows: list[HistoryRow], *, actor: Any = None, batch: int = 1000) -> int:
    """Load problems that already went through (part of) their life, in bulk.

    Each row's steps are replayed against the lifecycle table, so an impossible history
    (closing what was never dispatched) is refused; the resulting status, times, due
    date and counters are derived from the steps, and the timeline rows are written as
    they happened. No notifications are sent for the past."""
    problems: list[Problem] = []
    # The closings each row's 重新打开 undid, kept for the measures as the live step keeps them.
    undone: dict[int, list[ReopenedClosing]] = {}
    # When each problem still open at the street's level or above got there: it waits on
    # the agenda of the next joint meeting, as one dispatched or escalated there now does.
    street_since: dict[int, Any] = {}
    for index, row in enumerate(rows):
        status: str = Status.REPORTED
        p = Problem(
            category=row.category,
            description=row.description,
            source=row.source,
            hotline_order_no=row.hotline_order_no,
            reporter=row.reporter,
            on_behalf_of=row.on_behalf_of,
            lon=row.lon,
            lat=row.lat,
            area=row.area,
            area_path=row.area.path,
            located=locates(row.area),  # as a live report is (_area_without_grid)
            handling_level=row.category.handling_level,
            responsible_role=row.category.responsible_role,
            ledger_type=_ledger_type(row.category, row.source),
            month=f"{timezone.localtime(row.reported_at):%Y%m}",
            reported_at=row.reported_at,
            responsible_party=row.responsible_party,
            assignee=row.assignee,
        )
        for step in row.events:
            rule = TRANSITIONS.get(step.action)
            if rule is None or status not in rule.sources:
                raise ValidationFailed(
                    {f"{index + 1}.events": f"第{index + 1}行：“{step.action}”不能接在“{status}”之后"}
                )
            if step.action in ("accept", "reject", "merge") and p.responded_at is None:
                p.responded_at = step.at
            if step.action == "accept":
                p.accepted_at = step.at
            elif step.action == "dispatch":
                p.dispatched_at = step.at
                p.due_at = step.at + timedelta(hours=settings.DEADLINE_HOURS[row.category.deadline_class])
            elif step.action == "verify_fail":
                p.rework_count += 1
            elif step.action == "verify_pass":
                p.closed_at = step.at
            elif step.action == "urge":
                p.urge_count += 1
            elif step.action == "evaluate":
                p.resolved, p.satisfaction = (
                    (step.resolved, step.satisfaction)
                    if step.satisfaction is not None
                    else (row.resolved, row.satisfaction)
                )
            elif step.action == "reopen":
                if p.closed_at is None or selectors.reopen_lapsed(p, step.at):
                    lapsed = f"第{index + 1}行：结案超过{settings.REOPEN_DAYS}天不能重新打开"
                    raise ValidationFailed({f"{index + 1}.events": lapsed})
                undone.setdefault(index, []).append(_undo_closing(p, step.at))
            elif step.action == "escalate":
                p.handling_level = routing.next_level(p.handling_level) or p.handling_level
                p.responsible_role = routing.DEFAULT_ROLE_AT_LEVEL[p.handling_level]
                if p.due_at is not None and p.due_at < step.at and p.missed_due_at is None:
                    p.missed_due_at = p.due_at
                p.due_at, p.assignee = None, None
            if rule.target is not None:
                status = rule.target
            if step.action in ("dispatch", "escalate") and p.handling_level == HandlingLevel.STREET:
                street_since.setdefault(index, step.at)
        if status not in OPEN_STATUSES:
            street_since.pop(index, None)
        p.status = status
        problems.append(p)
    with transaction.atomic():
        for start in range(0, len(problems), batch):
            chunk = Problem.objects.bulk_create(problems[start : start + batch])
            events, photo_rows, follows = [], [], []
            proof_events: list[tuple[ProblemEvent, list[photos.StoredPhoto]]] = []
            for p, row in zip(chunk, rows[start : start + batch], strict=True):
                follows.append(Problem.followers.through(problem_id=p.pk, user_id=row.reporter.pk))
                events.append(
                    ProblemEvent(
                        problem=p,
                        action="report",
                        from_status="",
                        to_status=Status.REPORTED,
                        actor=row.reporter,
                        at=row.reported_at,
                        data={"source": row.source},
                    )
                )
                step_status: str = Status.REPORTED
                last_back = None
                reopens = 0
                for step in row.events:
                    target = TRANSITIONS[step.action].target or step_status
                    reopens += step.action == "reopen"
                    event = ProblemEvent(
                        problem=p,
                        action=step.action,
                        from_status=step_status,
                        to_status=target,
                        actor=step.actor,
                        note=step.note,
                        at=step.at,
                        data={"reopen": reopens} if step.action == "reopen" else {},
                    )
                    events.append(event)
                    if step.action == "report_back":
                        last_back = event
                        if step.photos:
                            proof_events.append((event, step.photos))
                    step_status = target
                if last_back is not None and row.proof_photos:
                    proof_events.append((last_back, row.proof_photos))
                for ph in row.report_photos:
                    photo_rows.append(
                        ProblemPhoto(
                            problem=p,
                            kind=PhotoKind.REPORT,
                            file=ph.file,
                            sha256=ph.sha256,
                            width=ph.width,
                            height=ph.height,
                        )
                    )
            ProblemEvent.objects.bulk_create(events, batch_size=2000)
            for event, proof in proof_events:
                for ph in proof:
                    photo_rows.append(
                        ProblemPhoto(
                            problem=event.problem,
                            event=event,
                            kind=PhotoKind.PROOF,
                            file=ph.file,
                            sha256=ph.sha256,
                            width=ph.width,
                            height=ph.height,
                        )
                    )
            ProblemPhoto.objects.bulk_create(photo_rows, batch_size=2000)
            Problem.followers.through.objects.bulk_create(follows, batch_size=2000)
        closings = []
        for index, rows_undone in undone.items():
            for closing in rows_undone:
                closing.problem = problems[index]
                closings.append(closing)
        ReopenedClosing.objects.bulk_create(closings)
        _agenda_from_history([(problems[i], at) for i, at in street_since.items()])
        if problems:
            audit.record(actor, "problem.import_history", detail={"count": len(problems)})
    return len(problems)


def _agenda_from_history(reached: list[tuple[Problem, Any]]) -> None:
    """Agenda items (联席会议) for imported problems still open that reached the street's
    level, each listed from the moment it did."""
    items = []
    for p, at in reached:
        street = routing.responsible_area(p.area_path, HandlingLevel.STREET)
        if street is not None:
            items.append((AgendaItem(problem=p, street=street, area_path=street.path), at))
    AgendaItem.objects.bulk_create([item for item, _ in items])
    for item, at in items:
        item.added_at = at  # auto_now_add set the import's own time
    AgendaItem.objects.bulk_update([item for item, _ in items], ["added_at"], batch_size=500)


def mark_discussed(actor: Any, item_id: int, *, ip: str = "") -> AgendaItem:
    """Record that the joint meeting (联席会议) took up a problem on its agenda."""
    item = AgendaItem.objects.select_related("problem").filter(pk=item_id).first()
    if item is None or not can(actor, Permission.PROBLEM_TRIAGE, item.area_path):
        raise NotFound("议题")
    settled = selectors.not_for_meeting(item)
    if settled:
        # A page loaded before the problem was closed, merged, rejected or sent back down
        # still offers the button: the meeting did not take up what no longer needs it.
        raise ValidationFailed({"item": settled.replace("问题", f"问题{item.problem.number}", 1)})
    now = timezone.now()
    with transaction.atomic():
        # Only while the problem is still in hand at the street (a step may close it or
        # send it down meanwhile).
        if AgendaItem.objects.filter(
            pk=item.pk,
            discussed_at__isnull=True,
            problem__status__in=OPEN_STATUSES,
            problem__handling_level__in=selectors.MEETING_LEVELS,
        ).update(discussed_at=now):
            # On the problem's own timeline too: its handlers and the community's secretary
            # read it there, not on the street's agenda page.
            p = item.problem
            _event(p, actor, "agenda_discussed", p.status, p.status, "", {}, now)
            audit.record(actor, "problem.agenda_discussed", area_path=item.area_path, obj=p, ip=ip)
        item.refresh_from_db()
    return item


@dataclass
class CategoryInput:
    name: str
    handling_level: str
    ledger_type: str
    deadline_class: str
    responsible_role: str
    active: bool = True
    sort: int | None = 100  # None: what was typed is not a whole number
    code: str = ""  # for a new category only; a category's code never changes


def save_category(actor: Any, data: CategoryInput, category_id: int | None = None) -> ProblemCategory:
    """Add a category to the catalogue, or change one. Problems already reported keep
    the level, ledger type and responsible party they were given; the change applies to
    new reports. Retiring (active=False) takes it off the report form, not the ledgers."""
    from shequ.core.texts import too_long
    from shequ.problems.models import DeadlineClass, LedgerType, ResponsibleRole

    if not (getattr(actor, "is_superuser", False) or has_anywhere(actor, Permission.PROBLEM_CATALOGUE)):
        raise NotFound("问题类别")
    found = None
    if category_id is not None:
        found = ProblemCategory.objects.filter(pk=category_id).first()
        if found is None:
            raise NotFound("问题类别")
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写类别名称"
    too_long(errors, [("name", "类别名称", name, 50)])
    same_name = ProblemCategory.objects.filter(name=name).exclude(pk=category_id or 0)
    if "name" not in errors and same_name.exists():
        errors["name"] = f"已有名为“{name}”的类别"
    code = (data.code or "").strip()
    if found is None:
        if (
            not code
            or not code.isascii()
            or not all(c.isalnum() or c in "_-" for c in code)
            or len(code) > 40
        ):
            errors["code"] = "编码只能用英文字母、数字、下划线，不超过 40 个字符，如 street_lamp"
        elif ProblemCategory.objects.filter(code=code).exists():
            errors["code"] = f"已有编码为“{code}”的类别"
    for field_name, label, value, choices in (
        ("handling_level", "处置层级", data.handling_level, HandlingLevel.values),
        ("ledger_type", "台账类型", data.ledger_type, LedgerType.values),
        ("deadline_class", "时限类别", data.deadline_class, DeadlineClass.values),
        ("responsible_role", "默认责任方", data.responsible_role, ResponsibleRole.values),
    ):
        if value not in choices:
            errors[field_name] = f"请选择{label}"
    if data.sort is None or not 0 <= data.sort <= 32767:
        errors["sort"] = "排序必须是 0 到 32767 之间的整数"
    if errors:
        raise ValidationFailed(errors)
    values = {
        "name": name,
        "handling_level": data.handling_level,
        "ledger_type": data.ledger_type,
        "deadline_class": data.deadline_class,
        "responsible_role": data.responsible_role,
        "active": data.active,
        "sort": data.sort,
    }
    with transaction.atomic():
        if found is None:
            found = ProblemCategory.objects.create(code=code, **values)
            audit.record(actor, "problem.category_add", obj=found, detail={"code": code, **values})
        else:
            before = {k: getattr(found, k) for k in values}
            ProblemCategory.objects.filter(pk=found.pk).update(**values)
            changed = {k: [before[k], v] for k, v in values.items() if before[k] != v}
            audit.record(
                actor, "problem.category_edit", obj=found, detail={"code": found.code, "changed": changed}
            )
            found.refresh_from_db()
    return found
