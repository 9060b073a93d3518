from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja import Status as Reply  # the problems have a Status of their own
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticError

from shequ.access.audit import client_ip
from shequ.access.roles import Permission
from shequ.access.scope import staff_only
from shequ.areas import geo
from shequ.areas.selectors import filter_path, get_area
from shequ.core.api import (
    FORM_ONLY,
    Body,
    Integer,
    Real,
    body_doc,
    field_errors,
    invalid,
    one_of,
    one_of_query,
    unknown_fields,
    unread_parts,
)
from shequ.core.errors import InvalidBody, NotFound, ValidationFailed
from shequ.core.numbers import ID_MAX, month_error, month_label, month_param, whole
from shequ.core.pagination import CappedPageNumberPagination
from shequ.problems import selectors, services
from shequ.problems.lifecycle import STATUS_LABELS, TRANSITIONS
from shequ.problems.models import (
    OPEN_STATUSES,
    DeadlineClass,
    HandlingLevel,
    LedgerType,
    PhotoKind,
    Problem,
    ProblemCategory,
    ResponsibleRole,
    Source,
    Status,
)
from shequ.problems.selectors import actions_for

router = Router(tags=["问题清单"])

# The values of each choice, listed in the OpenAPI document (checked by the selectors and
# services, which name a wrong one in Chinese).
StatusValue = Annotated[str, one_of(Status.values)]
LevelValue = Annotated[str, one_of(HandlingLevel.values)]
SourceValue = Annotated[str, one_of(Source.values)]
RoleValue = Annotated[str, one_of(ResponsibleRole.values)]
ActionValue = Annotated[str, one_of(TRANSITIONS)]


class CategoryOut(Schema):
    code: str
    name: str
    handling_level: LevelValue
    ledger_type: Annotated[str, one_of(LedgerType.values)]
    deadline_class: Annotated[str, one_of(DeadlineClass.values)]
    responsible_role: RoleValue
    active: bool  # false: retired, offered to filter the problems that have it, not to report


class ProblemFields(Schema):
    id: int
    number: str
    category: str
    category_name: str
    description: str
    source: SourceValue
    hotline_order_no: str  # 12345工单号 of a 12345 order (as the page shows it); "" otherwise
    status: StatusValue
    status_label: str
    handling_level: LevelValue
    responsible_role: RoleValue
    area: str
    area_name: str
    located: bool
    lon: float | None
    lat: float | None
    address: str
    reported_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    rework_count: int
    urge_count: int  # 督办: how many times supervisors urged it
    satisfaction: int | None
    resolved: bool | None


class ProblemOut(ProblemFields):
    @staticmethod
    def resolve_category(obj: Problem) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Problem) -> str:
        return obj.category.name

    @staticmethod
    def resolve_status_label(obj: Problem) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_area(obj: Problem) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: Problem) -> str:
        return obj.area.name

    @staticmethod
    def resolve_description(obj: Problem, context: Any) -> str:
        request = (context or {}).get("request")
        return selectors.shown_description(getattr(request, "user", None), obj)

    @staticmethod
    def resolve_address(obj: Problem, context: Any) -> str:
        request = (context or {}).get("request")
        return selectors.shown_address(getattr(request, "user", None), obj)


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str
    at: datetime
    photos: list[str]


class ProblemDetailOut(ProblemFields):
    # 责任单位 as the page shows it (a phone typed into it masked), and 承办人 by name; with
    # ``assigned_to_me`` a handler's app tells its own problems from unassigned ones.
    responsible_party: str
    assignee: str | None
    assigned_to_me: bool
    # 代报: the resident it was reported for, masked (张*), to staff as on the page; else null.
    on_behalf_of_name: str | None
    timeline: list[EventOut]
    photos: list[str]
    allowed_actions: list[ActionValue]
    merged_into: int | None
    tasks: list[int]  # 转为任务: the tasks made from it that the caller may open
    # The problem's newest step: send it back as a transition's ``seen`` and a step taken
    # meanwhile by someone else is refused (409, saying what happened) instead of acted on.
    version: int
    # What the page says of the report besides its steps (services.report_notes): a map
    # pin not used as its place; while it waits, nobody set up to handle it.
    notes: list[str]


class ProblemTransitionIn(Body):
    action: str
    note: str = ""
    level: str = ""
    responsible_role: str = ""
    responsible_party: str = ""
    grid: str = ""  # accept/dispatch: place an unplaced problem in this grid (area code)
    into: int | str | None = None  # merge: the id, or the 编号 the pages show
    resolved: bool | None = None
    satisfaction: Integer | None = None
    seen: Integer | None = None  # the detail's ``version`` the client acted from


def detail(problem: Problem, viewer: Any) -> dict[str, Any]:
    from shequ.tasks.selectors import tasks_from_problem  # tasks build on problems, not back

    events = selectors.timeline(viewer, problem)
    base = ProblemOut.from_orm(problem).dict()
    return {
        **base,
        "description": selectors.shown_description(viewer, problem),
        "address": selectors.shown_address(viewer, problem),
        "responsible_party": selectors.shown_party(viewer, problem),
        "assignee": str(problem.assignee) if problem.assignee_id else None,
        "on_behalf_of_name": selectors.shown_behalf_name(viewer, problem),
        "assigned_to_me": problem.assignee_id is not None
        and problem.assignee_id == getattr(viewer, "pk", None),
        "timeline": [
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor_label,
                "note": e.note,
                "at": e.at,
                "photos": [f"/problems/photos/{p.pk}/" for p in e.photos.all()],
            }
            for e in events
        ],
        # The report's photos, as the page shows them under the description; a step's own
        # (a proof of the work, a photo sent with 重新打开) are on its row of the timeline.
        "photos": [f"/problems/photos/{p.pk}/" for p in problem.photos.filter(kind=PhotoKind.REPORT)],
        "allowed_actions": [a for a, _ in actions_for(viewer, problem)],
        "merged_into": problem.merged_into_id,
        "tasks": tasks_from_problem(viewer, problem.pk),
        "version": selectors.version(problem),
        "notes": services.report_notes(problem),
    }


class ReportOut(ProblemOut):
    # What the reporter is told besides 已上报 (services.report_notes): a map pin not
    # used as the place, nobody set up to handle reports in the community.
    notes: list[str]


@router.get("/problem-categories/", response=list[CategoryOut], summary="问题类别")
def categories(request: HttpRequest, include_retired: bool = False) -> Any:
    """The categories in use, which a report may take; with ``include_retired=true`` the
    retired ones after them, as the board offers them to filter by (their problems stay
    on the lists)."""
    if include_retired:
        return selectors.filter_categories()
    return ProblemCategory.objects.filter(active=True)


_TEXT = {"type": "string"}
_NUMBER = {"type": "number"}

# The fields of a report (the files go under ``photos``, as files).
REPORT_FIELDS = (
    "category",
    "description",
    "source",
    "lon",
    "lat",
    "address",
    "area",
    "hotline_order_no",
    "on_behalf_of",
)


@router.post(
    "/problems/",
    response={200: ReportOut, 201: ReportOut},
    summary="上报问题（multipart，可带照片）",
    openapi_extra=body_doc(
        {
            "category": _TEXT,
            "description": _TEXT,
            "source": {"type": "string", "default": "resident", "enum": Source.values},
            "lon": _NUMBER,
            "lat": _NUMBER,
            "address": _TEXT,
            "area": _TEXT,
            "hotline_order_no": _TEXT,
            "on_behalf_of": {"type": "integer"},
        },
        required=["category", "description"],
        files="photos",
    ),
)
def create_problem(request: HttpRequest) -> Any:
    """Fields as form data (category, description, source, lon, lat, address, area,
    hotline_order_no, on_behalf_of) with up to 6 files under ``photos``; or a JSON body
    without photos. An ``Idempotency-Key`` header makes a retried request harmless."""
    data = _body(request)
    unread = unknown_fields(data, REPORT_FIELDS) | unread_parts(request, REPORT_FIELDS, "photos")
    if unread:
        raise invalid(unread)
    floats: dict[str, float | None] = {}
    for name in ("lon", "lat"):
        raw = data.get(name)
        if raw in (None, ""):
            floats[name] = None
            continue
        if isinstance(raw, bool):  # float(True) is 1.0: a place one degree from the meridian
            raise ValidationFailed({name: "必须是数字，不能是 true 或 false"})
        try:
            floats[name] = float(raw)
        except (TypeError, ValueError):
            raise ValidationFailed({name: "必须是数字"}) from None
    on_behalf = data.get("on_behalf_of")
    text = _texts(data, ("category", "description", "source", "address", "area", "hotline_order_no"))
    payload = services.ReportInput(
        category=text["category"],
        description=text["description"],
        source=text["source"] or "resident",
        lon=floats["lon"],
        lat=floats["lat"],
        address=text["address"],
        area=text["area"],
        hotline_order_no=text["hotline_order_no"],
        on_behalf_of=whole(on_behalf or "", low=1, high=ID_MAX),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        photos=request.FILES.getlist("photos"),
    )
    try:
        problem, created = services.report_problem(request.user, payload, ip=client_ip(request))
    except services.KeyReused as exc:
        raise exc.for_clients() from None
    # The summary of what was recorded; GET /problems/{id} gives the timeline and photos.
    from shequ.api import api  # the API that mounts this router (imported here: it imports us)

    answer = {**summary(problem), "notes": services.report_notes(problem)}
    return api.create_response(request, answer, status=201 if created else 200)


def _texts(data: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The text fields of a report as typed; JSON ``null`` is empty (never the text
    "None"), and a list or an object is named instead of being written as its repr."""
    out, errors = {}, {}
    for name in names:
        value = data.get(name)
        if value is None:
            out[name] = ""
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out[name] = str(value)
        else:
            errors[name] = "必须是文本"
    if errors:
        raise ValidationFailed(errors)
    return out


def summary(problem: Problem) -> dict[str, Any]:
    """``ProblemOut`` of ``problem``, read from it directly: the same values that
    ``ProblemOut.from_orm(problem).dict()`` gives, without pydantic checking values that
    are already of the right type (every report answers with it; ~0.3 ms of a 3 ms
    report). test_api.py holds the two together."""
    p = problem
    return {
        "id": p.pk,
        "number": p.number,
        "category": p.category.code,
        "category_name": p.category.name,
        "description": p.description,
        "source": p.source,
        "hotline_order_no": p.hotline_order_no,
        "status": p.status,
        # What get_status_display() gives, without rebuilding the choices on each call.
        "status_label": str(STATUS_LABELS.get(p.status, p.status)),
        "handling_level": p.handling_level,
        "responsible_role": p.responsible_role,
        "area": p.area.code,
        "area_name": p.area.name,
        "located": p.located,
        "lon": p.lon,
        "lat": p.lat,
        "address": p.address,
        "reported_at": p.reported_at,
        "due_at": p.due_at,
        "closed_at": p.closed_at,
        "overdue": p.overdue,
        "rework_count": p.rework_count,
        "urge_count": p.urge_count,
        "satisfaction": p.satisfaction,
        "resolved": p.resolved,
    }


@router.get("/problems/", response=list[ProblemOut], summary="问题列表（按管辖范围）")
@paginate(CappedPageNumberPagination, page_size=50)
def list_problems(
    request: HttpRequest,
    status: str = one_of_query(Status.values),
    category: str = "",
    area: str = "",
    level: str = one_of_query(HandlingLevel.values),
    source: str = one_of_query(Source.values),
    overdue: bool = False,
    open: bool = False,  # noqa: A002 - the board's name for it (在办)
    closed: bool = False,
    mine: bool = False,
    inbox: bool = False,
    verify: bool = False,
    before_id: int = 0,
) -> Any:
    """Problems in the caller's scope; ``mine=true``: those the caller reported or follows
    (a resident's 我的问题, which ``area`` narrows to any place); ``inbox=true``: a
    handler's 待办, the dispatched and in-progress problems assigned to them or unassigned
    where they handle problems, soonest due first (the page /problems/inbox/);
    ``verify=true``: a verifier's 待核查, the problems reported back where they verify, but
    not the work they reported back themselves, soonest due first (the inbox page's first
    part);
    ``open=true``: 在办 only (reported to reported back); ``closed=true``: 已结案 only
    (closed or evaluated, as the overview counts it). ``before_id``: a cursor for the
    newest-first lists (not ``inbox``): only the problems listed after that one, so a
    client reading page after page with the last id it got never sees a problem twice
    when new ones are reported meanwhile (``page`` counts from there)."""
    if mine and inbox:
        raise ValidationFailed({"inbox": "inbox（待办）与 mine（我的问题）不能同时使用"})
    if verify and (mine or inbox):
        raise ValidationFailed({"verify": "verify（待核查）不能与 mine（我的问题）或 inbox（待办）同时使用"})
    if before_id and (inbox or verify):
        raise ValidationFailed({"before_id": "待办、待核查按办理时限排序，不能用 before_id 翻页，请用 page"})
    # Filters that no problem can meet together were answered with an empty list, which
    # reads as "none of them".
    if open and closed:
        raise ValidationFailed({"closed": "open（在办）与 closed（已结案）不能同时使用"})
    within, named = (OPEN_STATUSES, "在办（open）") if open else (selectors.CLOSED_ONLY, "已结案（closed）")
    if status in Status.values and (open or closed) and status not in within:
        label = STATUS_LABELS[status]
        raise ValidationFailed({"status": f"状态“{label}”不属于{named}，两个条件不能同时满足"})
    path = (filter_path(area) if mine else get_area(request.user, area).path) if area else ""
    f = selectors.Filters(
        status=status,
        category=category,
        area=path,
        level=level,
        source=source,
        overdue=overdue,
        open_only=open,
        closed_only=closed,
    )
    errors = selectors.filter_errors(f)
    if errors:
        raise ValidationFailed(errors)
    if mine:
        found = selectors.my_problems(request.user, f)
    elif inbox:
        return selectors.inbox(request.user, f)
    elif verify:
        return selectors.verify_queue(request.user, f)
    else:
        found = selectors.problem_list(request.user, f)
    return _listed_after(request.user, found, before_id) if before_id else found


def _listed_after(viewer: Any, qs: Any, before_id: int) -> Any:
    """The rows of a newest-first list (reported_at, then id, both descending) after the
    problem ``before_id``: a keyset on the list's own order (the problem_recent_idx index),
    so rows reported meanwhile do not shift the pages. The cursor must be a problem the
    viewer may see: its time would otherwise tell something of a problem they may not."""
    try:
        if not 0 < before_id <= ID_MAX:
            raise NotFound("问题")
        anchor = selectors.get_problem(viewer, before_id)
    except NotFound:
        raise ValidationFailed({"before_id": f"问题 {before_id} 不存在或无权查看"}) from None
    at, pk = anchor.reported_at, anchor.pk

    def after(rows: Any) -> Any:
        return rows.filter(reported_at__lte=at).exclude(reported_at=at, pk__gte=pk)

    counted = getattr(qs, "count_source", None)
    narrowed = after(qs)
    if counted is not None:  # the pager counts what remains, the same way
        narrowed.count_source = after(counted)
    return narrowed


class NearbyOut(Schema):
    id: int
    number: str
    category: str
    category_name: str
    status: StatusValue
    status_label: str
    reported_at: datetime
    can_open: bool  # GET /problems/{id} answers (else only what is here is shown)
    can_follow: bool  # POST /problems/{id}/follow with the same lon, lat


@router.get(
    "/problems/nearby", response=list[NearbyOut], summary="附近已上报的同类问题（上报前查重，可关注）"
)
@paginate(CappedPageNumberPagination, page_size=50)
def nearby(request: HttpRequest, category: str, lon: float, lat: float) -> Any:
    """What the report form lists while a problem is being reported at ``lon``, ``lat``
    (WGS84): open problems of the same category within 100 m, reported in the last 30
    days, in the caller's communities; a report about a person only to who may open it.
    ``can_follow``: the caller may follow it instead of reporting it again."""
    if not ProblemCategory.objects.filter(code=category).exists():
        raise ValidationFailed({"category": f"问题类别“{category[:20]}”不存在"})
    if not geo.on_earth(lon, lat):
        raise ValidationFailed(geo.off_earth(lon, lat))
    return [
        {
            "id": row.problem.pk,
            "number": row.problem.number,
            "category": row.problem.category.code,
            "category_name": row.problem.category.name,
            "status": row.problem.status,
            "status_label": str(STATUS_LABELS.get(row.problem.status, row.problem.status)),
            "reported_at": row.problem.reported_at,
            "can_open": row.can_open,
            "can_follow": row.can_follow,
        }
        for row in selectors.nearby_for_reporter(request.user, category, lon, lat)
    ]


@router.get("/problems/by-number", response=ProblemDetailOut, summary="按编号查找问题（回执上的 14 位编号）")
def problem_by_number(request: HttpRequest, number: str) -> Any:
    """The problem board's 按编号查找: ``number`` as a worker reads it from a 回执 or a
    list (20261122000042; full-width digits and spaces are read). A number that is not
    one, and one not found or out of the caller's scope, answer 400 naming ``number``."""
    return detail(selectors.by_number(request.user, number), request.user)


@router.get("/problems/{problem_id}", response=ProblemDetailOut, summary="问题详情与处理时间线")
def get_problem(request: HttpRequest, problem_id: int) -> Any:
    return detail(selectors.get_problem(request.user, problem_id), request.user)


class FollowIn(Body):
    lon: Real  # where the resident is reporting: the problem must be one of its duplicates
    lat: Real


@router.post("/problems/{problem_id}/follow", response=ProblemDetailOut, summary="关注附近已上报的同一问题")
def follow(request: HttpRequest, problem_id: int, payload: FollowIn) -> Any:
    """A resident who meets a problem already reported nearby follows it instead of
    reporting it again: one the duplicate check shows for ``lon``, ``lat`` (open, the same
    category, within 100 m, in their community; reported by a resident or on patrol):
    ``can_follow`` in GET /problems/nearby."""
    problem = services.follow(request.user, problem_id, payload.lon, payload.lat, ip=client_ip(request))
    return detail(problem, request.user)


@router.post(
    "/problems/{problem_id}/transitions",
    response=ProblemDetailOut,
    summary="办理：立案、派遣、反馈、核查、评价…",
    openapi_extra=body_doc(
        {
            "action": {"type": "string", "enum": list(TRANSITIONS)},
            "note": _TEXT,
            "level": {"type": "string", "enum": HandlingLevel.values},
            "responsible_role": {"type": "string", "enum": ResponsibleRole.values},
            "responsible_party": _TEXT,
            "grid": {
                "type": "string",
                "description": "立案、派遣时：把未落入网格（located=false）的问题"
                "定位到其所在区域下的网格、小区或楼栋（区域编码）",
            },
            "into": {
                "oneOf": [{"type": "integer"}, {"type": "string"}],
                "description": "合并时：要合并到的问题，填 id（整数）或页面上显示的编号（如 20261122000042）",
            },
            "resolved": {"type": "boolean"},
            "satisfaction": {"type": "integer", "minimum": 1, "maximum": 5},
            "seen": {
                "type": "integer",
                "description": "详情中的 version：此后已有他人办理（不含督办）则不办理，409 changed",
            },
        },
        required=["action"],
        files="photos",
    ),
)
def transition(request: HttpRequest, problem_id: int) -> Any:
    """JSON ``{"action", "note", ...}``, or form data with proof files under ``photos``
    (for ``report_back``)."""
    data = _body(request)
    unread = unread_parts(request, data, "photos")  # its fields are checked below
    if unread:
        raise invalid(unread)
    # Sent with an action that does not read them: refused as the page refuses them.
    left = services.fields_not_read(str(data.get("action", "")), data)
    if left:
        raise ValidationFailed(left)
    into = data.get("into")
    if isinstance(into, bool) or not isinstance(into, int | str | None):
        # Pydantic would take true as problem 1 and 5.0 as 5; the page takes neither.
        raise ValidationFailed({"into": "要合并到的问题须填 id（整数）或编号（如 20261122000042）"})
    try:
        parsed = ProblemTransitionIn(
            **{k: v for k, v in data.items() if v not in ("", None)} | {"action": data.get("action", "")}
        )
    except PydanticError as exc:
        raise invalid(field_errors(exc.errors())) from None
    problem = services.transition(
        request.user,
        problem_id,
        services.TransitionInput(
            **parsed.dict()
            | {
                "into": None if parsed.into is None else selectors.problem_id_typed(request.user, parsed.into)
            },
            photos=request.FILES.getlist("photos"),
        ),
        ip=client_ip(request),
    )
    return detail(selectors.get_problem(request.user, problem.pk), request.user)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):  # nested past the parser's depth: a 500 before
            raise InvalidBody() from None
        if not isinstance(body, dict):
            raise ValidationFailed({"body": "请求体必须是 JSON 对象"})
        return body
    if request.content_type not in FORM_TYPES and request.body:
        # JSON sent as text/plain (a fetch() of a string) or without a Content-Type was
        # read as an empty form: the caller was told 请选择问题类别 for a body that had one.
        raise InvalidBody()
    return {k: request.POST.get(k) for k in request.POST if k not in FORM_ONLY}


# 月报 and 联席会议议题: the reports page and the agenda page, for a client.


class ReportRunOut(Schema):
    id: int
    area: str
    area_name: str
    month: str
    status: str
    progress: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    submitted_at: datetime | None
    xlsx_url: str  # "" until the run is done
    docx_url: str


class ReportRunIn(Schema):
    area: str
    month: str  # 202611 or 2026-11; blank: this month


def _run_out(run: Any) -> dict[str, Any]:
    done = run.status == "done"
    return {
        "id": run.pk,
        "area": run.area.code,
        "area_name": run.area.name,
        "month": run.month,
        # 生成中断 (its worker lost) as the page says it, not 生成中 for ever.
        "status": "stale" if run.stale else run.status,
        "progress": run.progress,
        "message": run.message,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "submitted_at": run.submitted_at,
        "xlsx_url": f"/problems/reports/{run.pk}/xlsx/" if done and run.xlsx_file else "",
        "docx_url": f"/problems/reports/{run.pk}/docx/" if done and run.docx_file else "",
    }


@router.get("/problem-report-runs", response=list[ReportRunOut], summary="月报生成记录（新的在前）")
@paginate(CappedPageNumberPagination, page_size=20)
def report_runs(request: HttpRequest) -> Any:
    """The monthly reports of the places the caller exports for, newest first, as on the
    reports page. ``status``: queued, running, done, failed, or stale (生成中断: its worker
    stopped; generate it again). The files are downloaded from ``xlsx_url``/``docx_url``
    (each download is written to the audit log)."""
    staff_only(request.user, Permission.PROBLEM_EXPORT, "只有生成月报的工作人员可以查看月报")
    return _Rows(selectors.report_runs(request.user).order_by("-id"), _run_out)


@router.post("/problem-report-runs", response={201: ReportRunOut}, summary="生成月报")
def request_report(request: HttpRequest, payload: ReportRunIn) -> Any:
    """Queue the monthly report of a street or community (``area``, its code) for a month
    (this month or an earlier one); poll ``GET /problem-report-runs/{id}`` for its progress."""
    month = payload.month.strip()
    month = (month_param(month) or month) if month else f"{timezone.localdate():%Y%m}"
    run = services.request_monthly_report(request.user, payload.area.strip(), month)
    return Reply(201, _run_out(selectors.get_report_run(request.user, run.pk)))


@router.get("/problem-report-runs/{run_id}", response=ReportRunOut, summary="月报生成进度")
def report_run(request: HttpRequest, run_id: int) -> Any:
    return _run_out(selectors.get_report_run(request.user, run_id))


@router.post("/problem-report-runs/{run_id}/submit", response=ReportRunOut, summary="月报报送街道")
def submit_report(request: HttpRequest, run_id: int) -> Any:
    """报送街道: a community's finished report, sent to its street (a later run of the
    same month sent again is a correction). Refused with the reason, as on the page."""
    run = services.submit_monthly_report(request.user, run_id, ip=client_ip(request))
    return _run_out(selectors.get_report_run(request.user, run.pk))


class SubmissionOut(Schema):
    community: str
    community_name: str
    street: str
    street_name: str
    first_submitted_at: datetime | None
    on_time: bool
    overdue: bool  # not sent and the 25th has passed
    latest_run: int | None  # the newest run sent (a correction replaces the first)


@router.get("/problem-report-submissions", response=list[SubmissionOut], summary="各社区月报报送情况（街道）")
def report_submissions(request: HttpRequest, month: str = "") -> Any:
    """For street staff: each community of their streets with its 报送 of ``month``
    (202611 or 2026-11; blank: this month), judged by the first sending against the 25th.
    A month not come yet is refused, as on the page. Community staff get an empty list:
    the table is the street's."""
    staff_only(request.user, Permission.PROBLEM_EXPORT, "只有生成月报的工作人员可以查看报送情况")
    today = timezone.localdate()
    typed = month.strip()
    chosen = month_param(typed) if typed else f"{today:%Y%m}"
    if not chosen:
        raise ValidationFailed({"month": month_error(typed)})
    if chosen > f"{today:%Y%m}":
        raise ValidationFailed({"month": f"{month_label(chosen)}还没到，报送情况只能查看本月及以前的月份"})
    return [
        {
            "community": s.community.code,
            "community_name": s.community.name,
            "street": s.street.code,
            "street_name": s.street.name,
            "first_submitted_at": s.first_at,
            "on_time": s.on_time,
            "overdue": s.overdue,
            "latest_run": s.latest.pk if s.latest else None,
        }
        for s in selectors.report_submissions(request.user, chosen)
    ]


class AgendaItemOut(Schema):
    id: int
    problem: int
    problem_number: str
    category_name: str
    description: str
    area_name: str
    community_name: str  # "" for one placed on the street itself
    added_at: datetime
    discussed_at: datetime | None
    waiting: bool  # not discussed and still in hand at the street or above
    not_needed: str  # why an undiscussed item no longer waits on the meeting ("" if it does)
    may_mark_discussed: bool


def _agenda_out(viewer: Any, item: Any) -> dict[str, Any]:
    p = item.problem
    reason = selectors.not_for_meeting(item)
    return {
        "id": item.pk,
        "problem": p.pk,
        "problem_number": p.number,
        "category_name": p.category.name,
        "description": selectors.shown_description(viewer, p),
        "area_name": p.area.name,
        "community_name": item.community,
        "added_at": item.added_at,
        "discussed_at": item.discussed_at,
        "waiting": item.discussed_at is None and not reason,
        "not_needed": reason,
        "may_mark_discussed": selectors.may_mark_discussed(viewer, item),
    }


@router.get("/problem-agenda", response=list[AgendaItemOut], summary="联席会议议题")
@paginate(CappedPageNumberPagination, page_size=50)
def agenda(request: HttpRequest) -> Any:
    """The joint meeting's agenda (联席会议议题), as on the agenda page: the items waiting
    for the meeting in the order they came, then the rest, latest first."""
    staff_only(request.user, Permission.PROBLEM_TRIAGE, "只有分办问题的工作人员可以查看联席会议议题")
    viewer = request.user
    return _Rows(
        selectors.agenda_items(viewer), lambda item: _agenda_out(viewer, item), selectors.with_communities
    )


class _Rows:
    """A queryset for the paginator, counted as it is (``count_source``), and each page's
    rows read out by ``out`` (after ``prepare`` has seen the page's rows together)."""

    def __init__(
        self,
        rows: Any,
        out: Callable[[Any], dict[str, Any]],
        prepare: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.count_source = rows
        self.out = out
        self.prepare = prepare

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        page = list(self.count_source[key])
        if self.prepare is not None:
            self.prepare(page)
        return [self.out(row) for row in page]


@router.post("/problem-agenda/{item_id}/discussed", response=AgendaItemOut, summary="标记联席会议已讨论")
def mark_discussed(request: HttpRequest, item_id: int) -> Any:
    item = services.mark_discussed(request.user, item_id, ip=client_ip(request))
    found = selectors.agenda_items(request.user).filter(pk=item.pk).first()
    if found is None:
        raise NotFound("联席会议议题")
    selectors.with_communities([found])
    return _agenda_out(request.user, found)
