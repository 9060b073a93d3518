from __future__ import annotations

import tempfile
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shequ.access.audit import client_ip
from shequ.access.audit import record as audit_record
from shequ.access.roles import Permission
from shequ.access.scope import can, has_anywhere, scope_paths
from shequ.access.tokens import login_or_token_required
from shequ.areas.models import Area
from shequ.areas.selectors import get_area, grid_features, grid_outlines, home_areas
from shequ.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
    busy_as_unavailable,
)
from shequ.core.numbers import ID_MAX, month_error, month_param, whole
from shequ.core.pagination import CappedPaginator
from shequ.notifications.services import mark_page_read
from shequ.problems import selectors, services
from shequ.problems.ledgers import HEADERS, community_names, ledger_rows, write_xlsx
from shequ.problems.models import (
    OPEN_STATUSES,
    HandlingLevel,
    LedgerType,
    ProblemCategory,
    ReportRun,
    ResponsibleRole,
    Source,
    Status,
)


def _filters(request: HttpRequest) -> tuple[selectors.Filters, dict[str, str], Area | None]:
    g = request.GET
    keys = ("status", "category", "area", "level", "source", "overdue", "open", "closed")
    raw = {k: g.get(k, "").strip() for k in keys}
    area = get_area(request.user, raw["area"]) if raw["area"] else None
    f = selectors.Filters(
        status=raw["status"],
        category=raw["category"],
        area=area.path if area else "",
        level=raw["level"],
        source=raw["source"],
        overdue=raw["overdue"] == "1",
        # 在办 (the overview's figure): reported, accepted, dispatched, in progress, reported back.
        open_only=raw["open"] == "1",
        # 已结案 (the overview's figure): closed, and closed then rated (已评价).
        closed_only=raw["closed"] == "1",
    )
    return f, raw, area


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The triage board (community) and overview (street): every problem in scope."""
    if not has_anywhere(request.user, Permission.PROBLEM_VIEW):
        # A resident's 编号 from their 回执 (a link, or the board's address after signing
        # in) is looked for among their own problems, not dropped on the way.
        number = request.GET.get("number", "")
        mine = reverse("problems_mine")
        return redirect(f"{mine}?{urlencode({'number': number})}" if number.strip() else mine)
    f, raw, area = _filters(request)
    errors = selectors.filter_errors(f)
    number = request.GET.get("number", "")
    if number.strip():  # 按编号查找: straight to the problem, or the field named
        try:
            return redirect("problem", selectors.by_number(request.user, number).pk)
        except ValidationFailed as exc:
            errors |= exc.fields
    # 待核查 (the inbox's 全部待核查, the API's verify=true): what waits on the viewer's
    # check, never the work they reported back themselves, soonest due first.
    verify = request.GET.get("verify", "") == "1"
    listed = selectors.verify_queue(request.user, f) if verify else selectors.problem_list(request.user, f)
    page = CappedPaginator(listed, 50).get_page(request.GET.get("page"))
    # The street overview filters by community as well as by grid (communities first in
    # path order, each followed by its grids).
    grids = list(
        Area.objects.visible_to(request.user)
        .filter(kind__in=("community", "grid"))
        .defer("geometry")
        .order_by("path")[:500]
    )
    if area is not None and all(g.pk != area.pk for g in grids):
        # Opened on a station, an estate or a building (an overview row): the choice keeps it,
        # so the next 筛选 does not widen the list to the whole scope.
        grids.insert(0, area)
    return render(
        request,
        "problems/board.html",
        {
            "page": page,
            "raw": raw,
            "number": number,
            "verify": verify,
            "area": area,
            "categories": selectors.filter_categories(),
            "grids": grids,
            "levels": HandlingLevel.choices,
            "sources": Source.choices,
            "statuses": Status.choices,
            "errors": errors,
            "may_edit_categories": has_anywhere(request.user, Permission.PROBLEM_CATALOGUE),
            # The joint meeting's agenda is the triage staff's (selectors.agenda_items).
            "may_see_agenda": has_anywhere(request.user, Permission.PROBLEM_TRIAGE),
        },
        status=400 if errors else 200,
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """总览: for a street, one row per community (for a community, per grid or estate) with
    its problems in each open status, the overdue and the closed, linked to the board."""
    code = request.GET.get("area", "").strip()
    tops = list(home_areas(request.user, Permission.PROBLEM_VIEW))
    if not code and not tops:
        return redirect("problems_mine")
    area = get_area(request.user, code, Permission.PROBLEM_VIEW) if code else tops[0]
    if not can(request.user, Permission.PROBLEM_VIEW, area.path):
        # Part of the area only: its totals would be the viewer's part, labelled as the whole.
        raise Http404
    total, rows = selectors.overview(request.user, area)
    up = area.parent
    if up is not None and not can(request.user, Permission.PROBLEM_VIEW, up.path):
        up = None
    return render(
        request,
        "problems/overview.html",
        {
            "area": area,
            "up": up,
            "tops": tops if len(tops) > 1 else [],
            "total": total,
            "rows": rows,
            "open_labels": [Status(s).label for s in OPEN_STATUSES],
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "")
    errors: dict[str, str] = {}
    if number.strip():  # 按编号查找 among their own (reported, followed, 代报) as the board does
        try:
            return redirect("problem", selectors.by_number(request.user, number).pk)
        except ValidationFailed as exc:
            errors = exc.fields
    page = CappedPaginator(selectors.my_problems(request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "problems/mine.html",
        {"page": page, "number": number, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = CappedPaginator(selectors.inbox(request.user), 50).get_page(request.GET.get("page"))
    # On the first page only: the steps that wait on this user come before the list.
    verify = selectors.to_verify(request.user) if page.number == 1 else []
    return render(request, "problems/inbox.html", {"page": page, "verify": verify})


def _report_context(request: HttpRequest, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    staff = has_anywhere(request.user, Permission.PROBLEM_HANDLE)
    # The map shows the grids of the (first) community the user reports in.
    paths = scope_paths(request.user, Permission.PROBLEM_REPORT)
    codes_of_first = paths[0].strip("/").split("/") if paths else []
    community = Area.objects.filter(code__in=codes_of_first, kind="community").defer("geometry").first()
    return {
        "values": values,
        "errors": errors,
        "staff": staff,
        "categories": ProblemCategory.objects.filter(active=True),
        "sources": [s for s in Source.choices if staff or s[0] in ("resident", "opinion_channel")],
        "grids": grid_outlines(community),
        "tile_url": settings.MAP_TILE_URL,
        # Staff entering a hotline order or a patrol finding without a pin choose where it
        # is; street staff belong to no community the report could fall back to.
        "places": Area.objects.visible_to(request.user, Permission.PROBLEM_REPORT)
        .filter(kind__in=("community", "grid"))
        .defer("geometry")
        .order_by("path")[:300]
        if staff
        else [],
    }


@login_required
def report(request: HttpRequest) -> HttpResponse:
    if not has_anywhere(request.user, Permission.PROBLEM_REPORT):
        # Said before the form is filled in, not after (a partner unit or an auditor).
        raise Forbidden("您的账号不能上报问题：居民、网格员、楼栋长和社区工作人员可以上报")
    if request.method != "POST":
        return render(request, "problems/report.html", _report_context(request, {}, {}))
    values = {
        k: request.POST.get(k, "")
        for k in (
            "category",
            "description",
            "source",
            "lon",
            "lat",
            "address",
            "hotline_order_no",
            "area",
            "idempotency_key",
            "on_behalf_id_number",
        )
    }
    # Browsers do not keep chosen files: the form asks for them again only if some were sent.
    values["photos_sent"] = "1" if request.FILES.getlist("photos") else ""
    # A 代报 ID number that finds nobody is named beside every other mistake of the form,
    # not instead of them (the service refuses a 代报 without its resident).
    behalf_errors: dict[str, str] = {}
    on_behalf_of = None
    if (values["source"] or Source.RESIDENT) == Source.ON_BEHALF:
        if not values["on_behalf_id_number"].strip():
            behalf_errors = {"on_behalf_of": "网格员代报须填写代报居民的身份证号"}
        try:
            on_behalf_of = _resident_by_id_number(request.user, values["on_behalf_id_number"])
        except ValidationFailed as exc:
            behalf_errors = exc.fields
    elif values["on_behalf_id_number"].strip() and (values["source"] or Source.RESIDENT) == Source.RESIDENT:
        # Typed with the source left at its default: filed as the worker's own report, the
        # elder it was for would be lost without a word. (Left over after choosing 热线 or
        # 巡查 instead, it is ignored: the source was chosen on purpose.)
        behalf_errors = {
            "on_behalf_of": "填写了代报居民的身份证号，来源却不是“网格员代报”："
            "请把来源改为网格员代报，或清空身份证号"
        }
        return render(
            request, "problems/report.html", _report_context(request, values, behalf_errors), status=400
        )
    if values["hotline_order_no"].strip() and (values["source"] or Source.RESIDENT) == Source.RESIDENT:
        # The same for a 12345 order's number: filed as the worker's own report, the order
        # would be missing from the 接诉即办 ledger and its one-entry check.
        left = {
            "hotline_order_no": "填写了12345工单号，来源却不是“12345热线”："
            "请把来源改为12345热线，或清空工单号"
        }
        return render(request, "problems/report.html", _report_context(request, values, left), status=400)
    try:
        lon = float(values["lon"]) if values["lon"] else None
        lat = float(values["lat"]) if values["lat"] else None
    except ValueError:
        # Only the pin's two numbers: a ValueError from anywhere in the service was shown
        # as a bad pin before.
        errors = {"lat": "位置坐标不是数字，请在地图上重新标注"}
        return render(request, "problems/report.html", _report_context(request, values, errors), status=400)
    try:
        data = services.ReportInput(
            category=values["category"],
            description=values["description"],
            source=values["source"] or Source.RESIDENT,
            lon=lon,
            lat=lat,
            address=values["address"],
            hotline_order_no=values["hotline_order_no"],
            area=values["area"].strip(),
            idempotency_key=values["idempotency_key"],
            on_behalf_of=on_behalf_of,
            photos=request.FILES.getlist("photos"),
        )
        # The database busy past its wait (a long import holding SQLite's lock) comes back
        # as the disk's refusal does.
        with busy_as_unavailable():
            problem, _created = services.report_problem(request.user, data, ip=client_ip(request))
    except Unavailable as exc:  # the disk or the database refused: nothing saved, all typed kept
        context = _report_context(request, values, {"busy": exc.message})
        return render(request, "problems/report.html", context, status=exc.status)
    except ValidationFailed as exc:
        if "idempotency_key" in exc.fields:
            values = {**values, "idempotency_key": ""}  # the page gives the form a new key
        context = _report_context(request, values, {**exc.fields, **behalf_errors})
        return render(request, "problems/report.html", context, status=400)
    return redirect("problem", problem_id=problem.pk)


def _resident_by_id_number(user: Any, id_number: str) -> int | None:
    """The resident a grid worker reports for, by the complete ID number within their
    scope (its keyed hash): never a name or a prefix, so a half-typed number cannot file
    the problem for whoever happens to match first."""
    if not id_number.strip():
        return None
    from shequ.people.selectors import resident_by_id_number

    try:
        return resident_by_id_number(user, id_number)
    except ValidationFailed as exc:
        message = exc.fields["id_number"].replace("请填写完整", "请填写代报居民完整")
        raise ValidationFailed({"on_behalf_of": message}) from None
    except RateLimited as exc:  # the hour's number lookups spent: said on the form, typed kept
        raise ValidationFailed({"on_behalf_of": exc.message}) from None


@login_required
def nearby(request: HttpRequest) -> HttpResponse:
    """Open problems of the same category within 100 m, shown while reporting."""
    try:
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
    except ValueError:
        return HttpResponse("")
    return _nearby_hint(request, request.GET.get("category", ""), lon, lat)


# A 关注进展 refused for a problem the resident could not have followed (out of reach, an
# id that was never shown): the same words whatever the reason, so that ids cannot be
# probed. One they could have followed, merged or closed since, is named (services.follow).
FOLLOW_GONE = "刚才选择的问题已经不能关注（可能刚刚办结）。如果情况仍然存在，请继续填写并上报。"


def _nearby_hint(request: HttpRequest, category: str, lon: float, lat: float, gone: str = "") -> HttpResponse:
    found = selectors.nearby_open(request.user, category, lon, lat)
    # Each with whether the viewer may open it (else it is named without a link) and may
    # follow it instead of reporting it again.
    followed = selectors.followed_among(request.user, found)
    rows = [
        (p, selectors.may_see(request.user, p, followed), p.source in services.FOLLOWABLE_SOURCES)
        for p in found
    ]
    return render(
        request,
        "problems/partials/nearby.html",
        {"found": rows, "lon": lon, "lat": lat, "category": category, "gone": gone},
        status=409 if gone else 200,
    )


@login_required
@require_POST
def follow(request: HttpRequest, problem_id: int) -> HttpResponse:
    """关注 from the duplicate hint, for the place the resident was reporting. The hint sits
    in the report form and sends it in the background: a problem closed meanwhile is said
    in the hint, drawn again for the place, and the report being typed stays on the page
    (a whole 404 page took the resident away from it)."""
    try:
        lon, lat = float(request.POST.get("lon", "")), float(request.POST.get("lat", ""))
    except ValueError:
        raise Http404 from None
    htmx = getattr(request, "htmx", False)
    try:
        problem = services.follow(request.user, problem_id, lon, lat, ip=client_ip(request))
    except (NotFound, Conflict) as exc:
        if not htmx:
            raise
        # Merged, closed or rejected since (a problem they could have followed) is said as
        # it is; anything else alike, so that ids cannot be probed.
        gone = exc.message if isinstance(exc, Conflict) else FOLLOW_GONE
        return _nearby_hint(request, request.POST.get("category", ""), lon, lat, gone=gone)
    shown = f"{reverse('problem', args=[problem.pk])}?followed=1"  # the page says so
    if htmx:
        response = HttpResponse("")
        response["HX-Redirect"] = shown
        return response
    return redirect(shown)


@login_required
def detail(
    request: HttpRequest,
    problem_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    from shequ.tasks.selectors import tasks_made_from  # tasks build on problems, not back

    problem = selectors.get_problem(request.user, problem_id)
    mark_page_read(request)
    staff_view = can(request.user, Permission.PROBLEM_VIEW, problem.area_path)
    actions = selectors.actions_for(request.user, problem)
    candidates: list[Any] = []
    if any(code == "merge" for code, _ in actions) and problem.lat is not None and problem.lon is not None:
        # The duplicates staff may merge it into, as the reporter was shown them.
        candidates = selectors.nearby_open(
            request.user, problem.category.code, problem.lon, problem.lat, exclude=problem.pk
        )[:5]
    events = selectors.timeline(request.user, problem)
    merged_into = problem.merged_into if problem.merged_into_id else None
    # What the reporter was told besides 已上报 (services.report_notes), from the report event.
    flags = (events[0].data or {}) if events and events[0].action == "report" else {}
    context = {
        "problem": problem,
        "pin_note": services.UNUSED_PIN_NOTES.get(flags.get("pin_unused") or ""),
        "unheard_note": services.UNHEARD_NOTE
        if flags.get("unheard") and problem.status == "reported"
        else "",
        "description": selectors.shown_description(request.user, problem),
        "address": selectors.shown_address(request.user, problem),
        "responsible_party": selectors.shown_party(request.user, problem),
        "events": events,
        "version": selectors.version(problem),
        "photos": problem.photos.filter(kind="report"),
        "actions": actions,
        # The parts of the form the actions offered need (a resident rating their
        # problem is not shown the fields for re-routing and merging).
        "routing_form": bool({"accept", "dispatch", "merge"} & {code for code, _ in actions}),
        "rating_form": any(code == "evaluate" for code, _ in actions),
        # An unplaced problem (outside every grid) is placed in a grid at 立案 or 派遣.
        "grids": selectors.grids_to_place(request.user, problem)
        if {"accept", "dispatch"} & {code for code, _ in actions}
        else [],
        "candidates": candidates,
        # 已合并到: a link only for who may open it (a street merges across communities).
        "merged_into": merged_into,
        "merged_link": merged_into is not None and selectors.may_see(request.user, merged_into),
        "staff_view": staff_view,
        # The resident reported for (代报), masked as on every staff page.
        "behalf_name": selectors.shown_behalf_name(request.user, problem) or "",
        "may_make_task": can(request.user, Permission.TASK_MANAGE, problem.area_path),
        # The tasks made from it that the viewer may open, as the API names them: a grid
        # worker's too, and not a task the street set in another community (a 404).
        "made_tasks": tasks_made_from(request.user, problem.pk),
        "levels": HandlingLevel.choices,
        "roles": ResponsibleRole.choices,
        "error": error,
        "values": values or {},
        "point": {"lon": problem.lon, "lat": problem.lat} if problem.lat is not None else None,
        "tile_url": settings.MAP_TILE_URL,
        # The reporter of a problem closed too long ago to reopen is told what to do instead.
        "reopen_lapsed": problem.status in (Status.CLOSED, Status.EVALUATED)
        and selectors.is_owner(request.user, problem)
        and selectors.reopen_lapsed(problem),
        "reopen_days": settings.REOPEN_DAYS,
        # The note's hint asks for a reason to reopen only where 重新打开 is offered.
        "may_reopen": any(code == "reopen" for code, _ in actions),
        "followed": request.GET.get("followed") == "1"
        and problem.followers.filter(pk=int(request.user.pk or 0)).exists(),
    }
    return render(request, "problems/detail.html", context, status=error.status if error else 200)


@login_required
@require_POST
def act(request: HttpRequest, problem_id: int) -> HttpResponse:
    values = {
        k: request.POST.get(k, "")
        for k in (
            "action",
            "note",
            "level",
            "responsible_role",
            "responsible_party",
            "grid",
            "into",
            "resolved",
            "satisfaction",
        )
    }
    # A field typed with an action that does not read it would be dropped without a word
    # (a 编号 to merge into with the action left at 立案: the duplicate was accepted as a
    # problem of its own): the page comes back saying so.
    left = services.fields_not_read(values["action"], {k: values[k].strip() for k in services.READ_BY})
    if left:
        values["photos_sent"] = "1" if request.FILES.getlist("photos") else ""
        return detail(request, problem_id, error=ValidationFailed(left), values=values)
    data = services.TransitionInput(
        action=values["action"],
        note=values["note"],
        level=values["level"],
        responsible_role=values["responsible_role"],
        responsible_party=values["responsible_party"],
        grid=values["grid"],
        into=selectors.problem_id_typed(request.user, values["into"]),
        resolved={"1": True, "0": False}.get(values["resolved"]),
        satisfaction=whole(values["satisfaction"]),
        photos=request.FILES.getlist("photos"),
        seen=whole(request.POST.get("seen", "")),
    )
    try:
        # The database busy past its wait: nothing saved, and the page comes back with the
        # note typed (a resident's reason for 重新打开), as for any refusal.
        with busy_as_unavailable():
            services.transition(request.user, problem_id, data, ip=client_ip(request))
    except (ValidationFailed, Conflict) as exc:
        values["photos_sent"] = "1" if data.photos else ""
        return detail(request, problem_id, error=exc, values=values)
    return redirect("problem", problem_id=problem_id)


@login_or_token_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A problem photo, for those who may see the problem."""
    path = selectors.photo_file(request.user, photo_id)
    if path is None:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/jpeg")  # noqa: SIM115 - FileResponse closes it


@login_required
def problem_map(request: HttpRequest) -> HttpResponse:
    """民情地图: grid polygons shaded by open problems, and the pins."""
    code = request.GET.get("area", "")
    tops = list(home_areas(request.user, Permission.PROBLEM_VIEW))
    if not code and not tops:
        return redirect("problems_mine")
    area = get_area(request.user, code, Permission.PROBLEM_VIEW) if code else tops[0]
    if not can(request.user, Permission.PROBLEM_VIEW, area.path):
        # As the overview: shades of the viewer's part only would be read as the whole.
        raise Http404
    # The board's filters (the map shows open problems only, so no status).
    g = request.GET
    raw = {k: g.get(k, "").strip() for k in ("category", "level", "source", "overdue")}
    f = selectors.Filters(
        category=raw["category"], level=raw["level"], source=raw["source"], overdue=raw["overdue"] == "1"
    )
    errors = selectors.filter_errors(f)
    if errors:
        f = selectors.Filters()
    grids = grid_features(request.user, area)
    counts, unshaded = selectors.open_by_grid(request.user, area.path, f)
    board = reverse("problems")
    kept = {"category": f.category, "level": f.level, "source": f.source, "overdue": "1" if f.overdue else ""}
    same = "".join(f"&{k}={v}" for k, v in kept.items() if v)  # checked choices only
    for feature in grids["features"]:
        code = feature["properties"]["code"]
        feature["properties"]["open"] = counts.pop(code, 0)
        # A click on a grid lists its open problems (the figure its shade stands for).
        feature["properties"]["href"] = f"{board}?area={code}&open=1{same}"
    # What no shade shows: problems under no grid, and under grids drawn without a boundary.
    unshaded += sum(counts.values())
    # The shades as text, for who cannot see or click the map (a screen reader, a
    # keyboard): the grids with open problems, most first, each linked as its shape is.
    listing = sorted(
        (f["properties"] for f in grids["features"] if f["properties"]["open"]),
        key=lambda p: (-p["open"], p["name"]),
    )
    points, pins = selectors.map_points(request.user, area.path, f)
    return render(
        request,
        "problems/map.html",
        {
            "area": area,
            "grids": grids,
            "points": points,
            "pins": pins,
            "unshaded": unshaded,
            "listing": listing,
            "quiet_grids": len(grids["features"]) - len(listing),
            "board_link": f"{board}?area={area.code}&open=1{same}",
            "same": same,  # the filters, kept when moving to another of the viewer's areas
            "tile_url": settings.MAP_TILE_URL,
            "tops": tops,
            "raw": raw,
            "errors": errors,
            "categories": selectors.filter_categories(),
            "levels": HandlingLevel.choices,
            "sources": Source.choices,
        },
        status=400 if errors else 200,
    )


def _month(raw: str) -> str:
    """A month as typed (2026-11 from the month picker, or 202611); blank is this month.
    Anything else is refused with the field named, not replaced by this month."""
    raw = raw.strip()
    if not raw:
        return f"{timezone.localdate():%Y%m}"
    text = month_param(raw)
    if text:
        return text
    raise ValidationFailed({"month": month_error(raw)})


def _ledger_month(raw: str) -> str:
    """The ledgers' month (_month()), not one still to come: its registers would be empty
    and read as "nothing happened", as the monthly report refuses such a month."""
    month = _month(raw)
    if month > f"{timezone.localdate():%Y%m}":
        named = f"{month[:4]}年{int(month[4:])}月"
        raise ValidationFailed({"month": f"{named}还没到，台账只能查看本月及以前的月份"})
    return month


class LedgerPage(CappedPaginator):
    """Pages of ledger rows: only the page's problems are read and formatted."""

    def __init__(self, qs: Any, communities: dict[str, str]) -> None:
        super().__init__(qs.order_by("reported_at", "id"), 50)
        self.communities = communities

    def page(self, number: Any) -> Any:
        page = super().page(number)
        page.object_list = list(ledger_rows(page.object_list, self.communities))
        return page


def _ledger_area(request: HttpRequest) -> Area:
    """The ledgers' area: ?area= if given (in the viewer's scope), else their own."""
    tops = list(home_areas(request.user, Permission.PROBLEM_EXPORT))
    if not tops:
        raise Http404
    code = request.GET.get("area", "")
    return get_area(request.user, code, Permission.PROBLEM_EXPORT) if code else tops[0]


@login_required
def ledgers(request: HttpRequest) -> HttpResponse:
    """台账: one register per ledger type, for a community (or any visible area) and month."""
    area = _ledger_area(request)
    errors: dict[str, str] = {}
    typed = request.GET.get("month", "")
    try:
        month = _ledger_month(typed)
    except ValidationFailed as exc:
        errors, month = exc.fields, _month("")
    ledger_type = request.GET.get("type", "") or LedgerType.PROPERTY
    if ledger_type not in LedgerType.values:
        errors["type"] = f"台账类型“{ledger_type[:20]}”不存在，请从下面五类中选择"
        ledger_type = LedgerType.PROPERTY
    qs = selectors.month_problems(request.user, area.path, month)
    counts = dict(qs.values_list("ledger_type").annotate(n=Count("id")).order_by())
    page = LedgerPage(qs.filter(ledger_type=ledger_type), community_names(area)).get_page(
        request.GET.get("page")
    )
    communities = Area.objects.visible_to(request.user, Permission.PROBLEM_EXPORT).filter(
        kind__in=("street", "community")
    )
    return render(
        request,
        "problems/ledgers.html",
        {
            "area": area,
            "month": month,
            # After a month error the box keeps what was typed, not the month shown.
            "month_input": typed.strip()[:20] if "month" in errors else f"{month[:4]}-{month[4:]}",
            "ledger_type": ledger_type,
            "types": [(c, label, counts.get(c, 0)) for c, label in LedgerType.choices],
            "page": page,
            "headers": HEADERS,
            "communities": communities,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def ledgers_export(request: HttpRequest) -> FileResponse:
    """The page's five registers as one workbook, for the page's area."""
    area = _ledger_area(request)
    month = _ledger_month(request.GET.get("month", ""))
    qs = selectors.month_problems(request.user, area.path, month)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    named = f"{month[:4]}年{int(month[4:])}月"
    rows = write_xlsx(
        handle,
        qs,
        title=f"{area.name}{named}",
        empty=f"{named}这一类台账没有记录。",
        communities=community_names(area),
    )
    audit_record(
        request.user,
        "problem.ledger_export",
        area_path=area.path,
        detail={"month": month, "rows": rows},
        ip=client_ip(request),
    )
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"台账-{area.name}-{month}.xlsx")


@login_required
def reports(request: HttpRequest, error: DomainError | None = None) -> HttpResponse:
    tops = list(home_areas(request.user, Permission.PROBLEM_EXPORT))
    if not tops:
        raise Http404
    if request.method == "POST" and error is None:
        try:
            with busy_as_unavailable():
                run = services.request_monthly_report(
                    request.user, request.POST.get("area", ""), _month(request.POST.get("month", ""))
                )
            return redirect(f"{reverse('problems_reports')}?run={run.pk}")
        except DomainError as exc:
            error = exc
    # The street's notices of a community's 报送 lead here (?month=…#submissions): read.
    mark_page_read(request)
    # Twenty a page, newest first: a community's runs of last year were linked nowhere.
    page = CappedPaginator(selectors.report_runs(request.user), 20).get_page(request.GET.get("page"))
    runs = list(page.object_list)
    newest_sent = selectors.newest_sent_runs(runs)
    for run in runs:  # a run older than one already sent is not sent after it
        run.superseded = newest_sent.get((run.area_id, run.month), 0) > run.pk
    today = timezone.localdate()
    areas = Area.objects.visible_to(request.user, Permission.PROBLEM_EXPORT).filter(
        kind__in=("street", "community")
    )
    typed = error is not None and "area" in request.POST  # the form refused, not a 报送
    # The street's view of its communities' 报送 for a month (this month unless chosen).
    shown = request.GET.get("month", "").strip()
    month = month_param(shown) or f"{today:%Y%m}"  # 2026-11 from the picker, or 202611
    # A month it cannot read is named (and answers 400, as every month picker does).
    refused = month_error(shown) if shown and not month_param(shown) else ""
    if month > f"{today:%Y%m}":  # every community 未报送 for a month not come yet says nothing
        refused = f"{month[:4]}年{int(month[4:])}月还没到，报送情况只能查看本月及以前的月份"
        month = f"{today:%Y%m}"
    submissions = selectors.report_submissions(request.user, month)
    return render(
        request,
        "problems/reports.html",
        {
            "runs": runs,
            "page": page,
            "areas": areas,
            "error": error,
            # After an error the form keeps what was chosen.
            "month_input": request.POST.get("month", "")[:20] if typed else f"{today:%Y-%m}",
            "chosen_area": request.POST.get("area", "") if typed else "",
            "due": today.replace(day=25),
            "current": request.GET.get("run", ""),
            "nobody_told": request.GET.get("told") == "0",
            "month": month,
            "month_due": selectors.report_due(month),
            "month_error": refused,
            "month_typed": shown[:20],
            "submissions": submissions,
            # A viewer over several streets is told which street each community is in.
            "several_streets": len({s.street.pk for s in submissions}) > 1,
        },
        status=error.status if error else 400 if refused else 200,
    )


@login_required
@require_POST
def report_submit(request: HttpRequest, run_id: int) -> HttpResponse:
    """报送街道 a community's finished monthly report."""
    try:
        with busy_as_unavailable():
            run = services.submit_monthly_report(request.user, run_id, ip=client_ip(request))
    except ValidationFailed as exc:
        return reports(request, error=exc)
    told = "" if run.told else "&told=0"
    return redirect(f"{reverse('problems_reports')}?run={run.pk}{told}")


def _run(request: HttpRequest, run_id: int) -> ReportRun:
    return selectors.get_report_run(request.user, run_id)


@login_required
def report_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    response = render(request, "problems/partials/report_run.html", {"run": run})
    if run.status == "done" and getattr(request, "htmx", False):
        # The poll swaps the run's cell alone: the row's 报送街道, offered once the report is
        # made, follows only when the page is drawn again.
        response["HX-Refresh"] = "true"
    return response


@login_required
def report_download(request: HttpRequest, run_id: int, kind: str) -> FileResponse:
    from django.conf import settings

    run = _run(request, run_id)
    name = run.xlsx_file if kind == "xlsx" else run.docx_file if kind == "docx" else ""
    if not name or not (settings.MEDIA_ROOT / name).exists():
        raise Http404
    audit_record(
        request.user,
        "problem.report_download",
        area_path=run.area_path,
        obj=run,
        detail={"kind": kind},
        ip=client_ip(request),
    )
    return FileResponse(
        open(settings.MEDIA_ROOT / name, "rb"),
        as_attachment=True,  # noqa: SIM115
        filename=f"月报-{run.area.name}-{run.month}.{kind}",
    )


AGENDA_LIMIT = 200  # the waiting items, then the latest taken up (selectors.agenda_items)


@login_required
def agenda(request: HttpRequest) -> HttpResponse:
    """The joint meeting's agenda (联席会议议题): street-level problems waiting for it."""
    if not has_anywhere(request.user, Permission.PROBLEM_TRIAGE):
        raise Http404  # no agenda to show: it would read 没有待议的问题 whatever waits
    error = None
    if request.method == "POST":
        # A number that is not a whole id finds no item: the same 404 as one out of scope.
        item = whole(request.POST.get("item", ""), low=1, high=ID_MAX) or 0
        try:
            services.mark_discussed(request.user, item, ip=client_ip(request))
            return redirect("problems_agenda")
        except ValidationFailed as exc:  # closed since the page was loaded: said, and listed as it is
            error = exc
    items = list(selectors.agenda_items(request.user)[:AGENDA_LIMIT])
    for item in items:
        item.may_mark = selectors.may_mark_discussed(request.user, item)
        item.not_needed = selectors.not_for_meeting(item)
    selectors.with_communities(items)
    return render(
        request,
        "problems/agenda.html",
        {"items": items, "error": error},
        status=error.status if error else 200,
    )


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    """The board's status chips, loaded after the list so the list never waits for them."""
    g = request.GET
    code = g.get("area", "").strip()
    tops = list(home_areas(request.user, Permission.PROBLEM_VIEW))
    if not tops:
        raise Http404  # sees no problems anywhere (an auditor): no chips of zeros
    # The board's other filters: the chips count what it lists, and keep them when clicked
    # (a value the board does not know is named there; the chips then count without it).
    f = selectors.Filters(
        category=g.get("category", "").strip(),
        level=g.get("level", "").strip(),
        source=g.get("source", "").strip(),
    )
    if selectors.filter_errors(f):
        f = selectors.Filters()
    # No area chosen: the board lists the viewer's whole scope, so the chips count all of it.
    # The place is found as the board finds it (a user who sees part of it, through a
    # grid role, gets the board of it): status_counts counts only what they may see.
    paths = [get_area(request.user, code).path] if code else [t.path for t in tops]
    found: dict[str, int] = {}
    for path in paths:
        for key, n in selectors.status_counts(request.user, path, f).items():
            found[key] = found.get(key, 0) + n
    chips = [(c, label, found.get(c, 0)) for c, label in Status.choices]
    raw = {k: g.get(k, "") for k in ("status", "overdue")}
    keep = urlencode(
        {
            k: v
            for k, v in (("area", code), ("category", f.category), ("level", f.level), ("source", f.source))
            if v
        }
    )
    return render(
        request,
        "problems/partials/chips.html",
        {"chips": chips, "overdue": found.get("overdue", 0), "raw": raw, "keep": f"&{keep}" if keep else ""},
    )


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    """问题类别: the editable catalogue (street admins), one form per row and one to add."""
    from shequ.problems.models import DeadlineClass, LedgerType

    if not has_anywhere(request.user, Permission.PROBLEM_CATALOGUE):
        raise Http404
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    status = 200
    row = 0  # the category whose form was sent (0: the new one)
    if request.method == "POST":
        fields = (
            "code",
            "name",
            "handling_level",
            "ledger_type",
            "deadline_class",
            "responsible_role",
            "sort",
        )
        values = {k: request.POST.get(k, "").strip() for k in fields}
        values["active"] = "1" if request.POST.get("active") else ""
        row = whole(request.POST.get("id", ""), low=1, high=ID_MAX) or 0
        sort = whole(values["sort"] or "100", high=32767)
        data = services.CategoryInput(
            name=values["name"],
            handling_level=values["handling_level"],
            ledger_type=values["ledger_type"],
            deadline_class=values["deadline_class"],
            responsible_role=values["responsible_role"],
            active=bool(values["active"]) or not row,  # a new category starts in use
            sort=sort,  # None: not a whole number, named with the form's other mistakes
            code=values["code"],
        )
        try:
            with busy_as_unavailable():
                services.save_category(request.user, data, row or None)
            return redirect("problems_categories")
        except ValidationFailed as exc:
            errors = exc.fields or {"form": exc.message}
            status = exc.status
    return render(
        request,
        "problems/categories.html",
        {
            "categories": ProblemCategory.objects.order_by("sort", "id"),
            "levels": HandlingLevel.choices,
            "ledger_types": LedgerType.choices,
            "deadline_classes": DeadlineClass.choices,
            "roles": ResponsibleRole.choices,
            "errors": errors,
            "values": values,
            "row": row,
        },
        status=status,
    )
