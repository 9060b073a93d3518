"""Reads of the problem list, always on behalf of a viewer."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from shequ.access.masking import mask_name, shown_to
from shequ.access.roles import Permission
from shequ.access.scope import can, scope_paths, scope_q
from shequ.areas import geo
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import codes, under
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.filters import unknown_choices
from shequ.core.numbers import ID_MAX, whole
from shequ.problems.models import (
    OPEN_STATUSES,
    HandlingLevel,
    Problem,
    ProblemCategory,
    ProblemPhoto,
    Source,
    Status,
)


def by_number(viewer: Any, typed: str) -> Problem:
    """The problem whose 编号 (report date and id, 20261122000042) is ``typed``, as a
    worker types it from a 回执 or a list (full-width digits, spaces): the id is read
    from it and the whole number must then match, so an id with another day's date is
    not taken for it. Not found, out of scope and not a number say which."""
    plain = "".join(unicodedata.normalize("NFKC", typed).split())
    if not plain.isdigit() or len(plain) < 14 or len(plain) > 8 + len(str(ID_MAX)):
        raise ValidationFailed({"number": f"编号“{typed.strip()[:30]}”应为 14 位数字（如 20261122000042）"})
    problem = None
    if int(plain[8:]) <= ID_MAX:
        try:
            problem = get_problem(viewer, int(plain[8:]))
        except NotFound:
            problem = None  # the same answer as another day's number: ids are not probed
    if problem is None or problem.number != plain:
        raise ValidationFailed({"number": f"编号 {plain} 没有找到，或不在您的查看范围内"})
    return problem


def get_problem(viewer: Any, problem_id: int) -> Problem:
    """The problem if the viewer may see it (in their problem scope, or reported or
    followed by them); the same NotFound for missing and forbidden."""
    try:
        problem = Problem.objects.select_related("category", "area", "reporter", "assignee").get(
            pk=problem_id
        )
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise NotFound("问题") from None
    if not may_see(viewer, problem):
        raise NotFound("问题")
    return problem


def id_in_number(text: str) -> int | None:
    """The id part of ``text`` read as a 编号 (report date, then id: 20261122000042), or
    None when it is not shaped as one. Only the problem's own ``number`` confirms it: a
    digit left out or mistyped would otherwise name another problem."""
    if len(text) <= 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        date.fromisoformat(f"{text[:4]}-{text[4:6]}-{text[6:8]}")
    except ValueError:
        return None
    return whole(text[8:], low=1, high=ID_MAX) or 0


def problem_id_typed(viewer: Any, typed: str | int) -> int | None:
    """The problem a merge names, on the page and in the API alike: its 编号 as shown
    or its id alone. A 编号 must be some visible problem's whole 编号 (2026112200004 is
    not problem 4), as a merge cannot be undone. None when it names no problem; the
    caller's service says so under ``into``. A 编号 typed with a Chinese input method
    (full-width digits) or in groups with spaces is the same 编号."""
    text = "".join(unicodedata.normalize("NFKC", str(typed)).split())
    pk = id_in_number(text)
    if pk is None:
        return whole(typed, low=1, high=ID_MAX)
    try:
        found = get_problem(viewer, pk)
    except NotFound:
        return None
    return pk if found.number == text else None


def photo_file(viewer: Any, photo_id: int) -> Path | None:
    """A problem photo's stored file, for a viewer who may open its problem; None when it
    is missing, not theirs or gone from disk (all answered alike)."""
    row = ProblemPhoto.objects.filter(pk=photo_id).first()
    if row is None:
        return None
    try:
        get_problem(viewer, row.problem_id)
    except NotFound:
        return None
    path = Path(settings.MEDIA_ROOT) / row.file
    return path if path.exists() else None


def may_see(viewer: Any, problem: Problem, followed: set[int] | None = None) -> bool:
    """``followed``: the ids among a list's problems the viewer follows, read once for the
    list (else one query a problem)."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if problem.reporter_id == viewer.pk or can(viewer, Permission.PROBLEM_VIEW, problem.area_path):
        return True
    # The resident a grid worker reported for (代报), also when their login came later.
    resident_id = getattr(viewer, "resident_id", None)
    if resident_id is not None and problem.on_behalf_of_id == resident_id:
        return True
    if followed is not None:
        return problem.pk in followed
    return problem.followers.filter(pk=viewer.pk).exists()


def followed_among(viewer: Any, problems: list[Problem]) -> set[int]:
    if not getattr(viewer, "is_authenticated", False) or not problems:
        return set()
    return set(viewer.followed_problems.filter(pk__in=[p.pk for p in problems]).values_list("pk", flat=True))


def is_owner(viewer: Any, problem: Problem) -> bool:
    """Who may rate (回访评价) and reopen a problem as its reporter: the reporter, the
    resident a grid worker reported it for (代报), and whoever reported a duplicate that
    was merged into it. A neighbour who only follows it (关注) is told of its steps but
    does not rate it."""
    pk = getattr(viewer, "pk", None)
    if pk is None:
        return False
    if problem.reporter_id == pk:
        return True
    resident_id = getattr(viewer, "resident_id", None)
    if resident_id and problem.on_behalf_of_id == resident_id:
        return True
    # The duplicates merged into it, and those merged into them (X into Y, then Y into Z:
    # X's reporter follows Z, and was told of its steps, so rates and reopens it too).
    frontier = [problem.pk]
    for _ in range(_MERGE_DEPTH):
        rows = list(
            Problem.objects.filter(merged_into__in=frontier).values_list(
                "pk", "reporter_id", "on_behalf_of_id"
            )
        )
        if any(reporter == pk or (resident_id and behalf == resident_id) for _, reporter, behalf in rows):
            return True
        frontier = [row[0] for row in rows]
        if not frontier:
            break
    return False


_MERGE_DEPTH = 20  # merges into merges: far more than any chain a community makes


def timeline(viewer: Any, problem: Problem) -> list[Any]:
    """The problem's events, oldest first, each with ``actor_label`` for the viewer.

    Staff who may see the problem see every name. A resident who follows it (its
    reporter, or one whose report was merged into it) sees staff by name, themself as
    "我", and every other resident as "居民": who reported a problem, above all through
    民意直通车, is not shown to other residents."""
    events = list(problem.events.select_related("actor").prefetch_related("photos"))
    for e in events:
        # A number someone typed into their note is shown masked to everyone else.
        e.note = shown_to(viewer, e.actor_id, e.note)
    if can(viewer, Permission.PROBLEM_VIEW, problem.area_path):
        for e in events:
            e.actor_label = str(e.actor) if e.actor else "系统"
        return events
    people = {problem.reporter_id, *problem.followers.values_list("pk", flat=True)}
    # Once per person, not per step: each step carries its own copy of its actor, so the
    # roles read for one copy were read again for the next.
    actors = {e.actor_id: e.actor for e in events if e.actor_id in people}
    hidden = {
        pk for pk, actor in actors.items() if not can(actor, Permission.PROBLEM_VIEW, problem.area_path)
    }
    for e in events:
        if e.actor is None:
            e.actor_label = "系统"
        elif e.actor_id == viewer.pk:
            e.actor_label = "我"
        elif e.actor_id in hidden:
            e.actor_label = "居民"
        else:
            e.actor_label = str(e.actor)
    return events


def shown_description(viewer: Any, problem: Problem) -> str:
    """The description as this viewer sees it: ID and phone numbers typed into it are
    masked for everyone but its reporter (staff find the person in the registry, where
    showing the full number is a recorded act)."""
    return shown_to(viewer, problem.reporter_id, problem.description)


def shown_address(viewer: Any, problem: Problem) -> str:
    """The address as this viewer sees it, by the description's rule: a phone or ID number
    typed into it ("3栋2单元 王芳 139…") is masked for everyone but its reporter."""
    return shown_to(viewer, problem.reporter_id, problem.address)


def shown_behalf_name(viewer: Any, problem: Problem) -> str | None:
    """The resident a 代报 was for, masked (张*), as staff over the problem see them on its
    page and in the API; None for anyone else, or a problem not reported for a resident."""
    if problem.on_behalf_of_id is None or not can(viewer, Permission.PROBLEM_VIEW, problem.area_path):
        return None
    resident = problem.on_behalf_of
    return mask_name(resident.name) if resident is not None else None


def shown_party(viewer: Any, problem: Problem) -> str:
    """责任单位 as shown: staff write a contact into it ("物业 王师傅139…"), and that
    phone is masked as in any free text (the dispatcher is not recorded on the field)."""
    return shown_to(viewer, None, problem.responsible_party)


# 已结案 as the overview counts it, which ``closed_only`` keeps.
CLOSED_ONLY = (Status.CLOSED, Status.EVALUATED)


@dataclass
class Filters:
    status: str = ""
    category: str = ""
    area: str = ""  # an area path (already checked to be visible)
    level: str = ""
    source: str = ""
    overdue: bool = False
    open_only: bool = False
    closed_only: bool = False  # 已结案 as the overview counts it: closed or evaluated
    assignee: Any = None


def filter_categories() -> QuerySet[ProblemCategory]:
    """The categories the board and the map filter by: those in use, then the retired
    ones, whose problems stay on the lists (the report form offers only those in use)."""
    return ProblemCategory.objects.order_by("-active", "sort", "id")


def filter_errors(f: Filters) -> dict[str, str]:
    """The filters whose value is none of the choices, each named: a list filtered by a
    misspelt status would otherwise just be empty."""
    errors = unknown_choices(
        [
            ("status", "状态", f.status, Status.values),
            ("level", "处置层级", f.level, HandlingLevel.values),
            ("source", "来源", f.source, Source.values),
        ]
    )
    if f.category and not ProblemCategory.objects.filter(code=f.category).exists():
        errors["category"] = f"问题类别“{f.category[:20]}”不存在"
    return errors


def _by_recency(viewer: Any, permission: str = Permission.PROBLEM_VIEW) -> QuerySet[Problem]:
    """Problems in scope, filtered on the path through an expression no index answers,
    so that both databases walk the newest-first index and stop after a page instead of
    collecting and sorting every problem of a street (the scope test is unchanged)."""
    if connection.vendor == "postgresql":
        # PostgreSQL's planner weighs the real columns well (it walks the newest-first
        # index for a wide scope and uses the path index for a narrow one).
        path: Any = F("area_path")
        status: Any = F("status")
    else:
        # SQLite would take the path range index and sort the whole street.
        path = Concat("area_path", Value(""), output_field=CharField())
        status = Concat("status", Value(""), output_field=CharField())
    return Problem.objects.alias(scan_path=path, scan_status=status).filter(
        scope_q(viewer, permission, "scan_path")
    )


def problem_list(viewer: Any, filters: Filters | None = None) -> QuerySet[Problem]:
    """Newest first. The returned queryset carries ``count_source``: the same rows written
    with indexable conditions, which is what the pager counts (a count wants the indexes
    the page walk must avoid)."""
    f = filters or Filters()
    qs = _filtered(_by_recency(viewer), f, "scan_path", "scan_status")
    qs = qs.select_related("category", "area").defer("area__geometry").order_by("-reported_at", "-id")
    # Filtered by status, SQLite counts fastest from the status-first index (it stops after
    # the cap among that status's rows); given the path's columns, its planner takes the
    # path range and reads a whole street's entries (75 ms instead of 11 at a million
    # problems). The path then goes through the page walk's expression, as there.
    by_status = connection.vendor == "sqlite" and bool(f.status or f.open_only or f.closed_only or f.overdue)
    if by_status:
        counted = _filtered(_by_recency(viewer), f, "scan_path", "status")
    else:
        in_scope = Problem.objects.filter(scope_q(viewer, Permission.PROBLEM_VIEW))
        counted = _filtered(in_scope, f, "area_path", "status")
    qs.count_source = counted  # type: ignore[attr-defined]
    return qs


def _filtered(qs: Any, f: Filters, path_field: str, status_field: str) -> Any:
    if f.status:
        qs = qs.filter(**{status_field: f.status})
    if f.open_only:
        qs = qs.filter(**{f"{status_field}__in": OPEN_STATUSES})
    if f.closed_only:
        qs = qs.filter(**{f"{status_field}__in": CLOSED_ONLY})
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.area:
        qs = qs.filter(under(f.area, path_field))
    if f.level:
        qs = qs.filter(handling_level=f.level)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.overdue:
        qs = qs.filter(**{f"{status_field}__in": OPEN_STATUSES}, due_at__lt=timezone.now())
    if f.assignee is not None:
        qs = qs.filter(assignee=f.assignee)
    return qs


def my_problems(viewer: Any, filters: Filters | None = None) -> QuerySet[Problem]:
    """我的问题: what the viewer reported, and what they follow (after a merge, or as the
    resident a grid worker reported for), with the board's filters if given."""
    # The ids as a union of three indexed sets: an OR over the followers' join was one
    # subquery that read every problem, twice a page (839 ms at 931,203 problems).
    user_id = getattr(viewer, "pk", None) or 0
    sets: list[Any] = [
        Problem.objects.filter(reporter_id=user_id).order_by().values("pk"),
        Problem.followers.through.objects.filter(user_id=user_id).values("problem_id"),
    ]
    resident_id = getattr(viewer, "resident_id", None)
    if resident_id is not None:  # reported for them (代报), also before they had a login
        sets.append(Problem.objects.filter(on_behalf_of_id=resident_id).order_by().values("pk"))
    qs = Problem.objects.filter(pk__in=sets[0].union(*sets[1:]))
    if filters is not None:
        qs = _filtered(qs, filters, "area_path", "status")
    return qs.select_related("category", "area").defer("area__geometry").order_by("-reported_at", "-id")


def inbox(viewer: Any, filters: Filters | None = None) -> QuerySet[Problem]:
    """A handler's inbox: open problems assigned to them, or unassigned in their scope,
    soonest due first; with ``filters``, narrowed by the board's filters (the API's
    ``inbox=true``)."""
    handling = scope_q(viewer, Permission.PROBLEM_HANDLE)
    qs = Problem.objects.filter(handling, status__in=(Status.DISPATCHED, Status.IN_PROGRESS)).filter(
        Q(assignee=viewer) | Q(assignee__isnull=True)
    )
    if filters is not None:
        qs = _filtered(qs, filters, "area_path", "status")
    return qs.select_related("category", "area").defer("area__geometry").order_by("due_at", "id")


def to_verify(viewer: Any, limit: int = 50) -> list[Problem]:
    """The first ``limit`` of ``verify_queue``: the inbox shows them to staff on a phone,
    where the board's columns do not fit."""
    return list(verify_queue(viewer)[:limit])


def verify_queue(viewer: Any, filters: Filters | None = None) -> QuerySet[Problem]:
    """Problems reported back and waiting for 核查 where ``viewer`` verifies, soonest due
    first (with ``filters``, narrowed by the board's: the API's ``verify=true``). Not the
    work the viewer reported back themselves: nobody checks their own
    (``reported_back_by``), so it waits on a colleague, not on them."""
    from shequ.problems.models import ProblemEvent

    last_back = (
        ProblemEvent.objects.filter(problem=OuterRef("pk"), action="report_back")
        .order_by("-at", "-id")
        .values("actor_id")[:1]
    )
    qs = (
        Problem.objects.filter(scope_q(viewer, Permission.PROBLEM_VERIFY), status=Status.REPORTED_BACK)
        # 0 for a problem without a report-back step (an imported one): nobody's own work.
        .alias(checker=Coalesce(Subquery(last_back), 0, output_field=IntegerField()))
        .exclude(checker=getattr(viewer, "pk", None) or 0)
    )
    if filters is not None:
        qs = _filtered(qs, filters, "area_path", "status")
    return qs.select_related("category", "area").defer("area__geometry").order_by("due_at", "id")


def nearby_open(
    viewer: Any,
    category_code: str,
    lon: float,
    lat: float,
    *,
    metres: float = 100,
    days: int = 30,
    exclude: int | None = None,
) -> list[Problem]:
    """Open problems of the same category within ``metres`` reported in the last ``days``:
    the duplicates a reporter is shown and staff may merge."""
    from shequ.problems.services import distance_m

    if not geo.on_earth(lon, lat):
        return []
    dlat = metres / 111_000
    dlon = metres / (111_000 * max(0.1, abs(math.cos(math.radians(lat)))))
    since = timezone.now() - timedelta(days=days)
    candidates = (
        Problem.objects.filter(
            category__code=category_code,
            status__in=(*OPEN_STATUSES,),
            reported_at__gte=since,
            lat__gte=lat - dlat,
            lat__lte=lat + dlat,
            lon__gte=lon - dlon,
            lon__lte=lon + dlon,
        )
        .select_related("category")
        .exclude(pk=exclude or 0)
    )
    # Only problems in the communities the viewer reports in or looks after (a
    # street-level user's own path is already the widest prefix); a role that has nothing
    # to do with problems (an auditor, a partner unit) is shown none.
    communities = {
        path if path.count("/") <= 3 else "/".join(path.split("/")[:3]) + "/"
        for permission in (Permission.PROBLEM_REPORT, Permission.PROBLEM_VIEW)
        for path in scope_paths(viewer, permission)
    }
    # And where a staff login linked to its owner's registry record lives: they report there
    # as any resident (services._reports_in_community), so are shown its duplicates too.
    resident = getattr(viewer, "resident", None) if getattr(viewer, "resident_id", None) else None
    reports = bool(scope_paths(viewer, Permission.PROBLEM_REPORT))
    if reports and resident is not None and codes(resident.area_path)[1:]:
        communities.add("/" + "/".join(codes(resident.area_path)[:2]) + "/")
    from shequ.problems.services import FOLLOWABLE_SOURCES

    # A problem reported about a person (民意直通车, a visit's finding, 代报, a 12345
    # order) is listed only to those who may open it: to anyone else the hint, asked from
    # point after point, would locate the household behind it.
    near = [
        p
        for p in candidates
        if any(p.area_path.startswith(c) for c in communities)
        and p.lon is not None
        and p.lat is not None
        and distance_m(lon, lat, p.lon, p.lat) <= metres
    ]
    followed = followed_among(viewer, [p for p in near if p.source not in FOLLOWABLE_SOURCES])
    return [p for p in near if p.source in FOLLOWABLE_SOURCES or may_see(viewer, p, followed)]


@dataclass
class Nearby:
    """One duplicate shown while reporting: whether the viewer may open it (else it is
    named without a link) and may follow it instead of reporting it again."""

    problem: Problem
    can_open: bool
    can_follow: bool


def nearby_for_reporter(viewer: Any, category_code: str, lon: float, lat: float) -> list[Nearby]:
    """What the report form's duplicate hint lists (``nearby_open``: same category, open,
    within 100 m and 30 days, the viewer's communities, reports about a person only to who
    may open them), each as the hint offers it: a link to what the viewer may open, 关注
    for the others of a followable source (``services.follow`` checks the same again)."""
    from shequ.problems.services import FOLLOWABLE_SOURCES

    rows = []
    for p in nearby_open(viewer, category_code, lon, lat):
        visible = may_see(viewer, p)
        rows.append(Nearby(p, visible, not visible and p.source in FOLLOWABLE_SOURCES))
    return rows


def status_counts(viewer: Any, area_path: str, filters: Filters | None = None) -> dict[str, int]:
    """Problems per status under ``area_path``, and how many open ones are past due; with
    ``filters``, of those of its category, level and source only (the board's chips count
    what the board lists; the chips themselves choose the status)."""
    qs = Problem.objects.filter(under(area_path))
    if not can(viewer, Permission.PROBLEM_VIEW, area_path):
        # Only part of the place is the viewer's: the scope test is needed. Where all of it
        # is, the scope test would repeat the path range and be checked on every row.
        qs = qs.filter(scope_q(viewer, Permission.PROBLEM_VIEW))
    # The counts per status read the (area_path, status, due_at) index; the overdue count
    # must read (status, due_at, area_path), over the open, past-due rows alone, so on
    # SQLite its path test goes through the same expression as the lists.
    late = _by_recency(viewer).filter(under(area_path, "scan_path"))
    if filters is not None:
        kept = Filters(category=filters.category, level=filters.level, source=filters.source)
        qs = _filtered(qs, kept, "area_path", "status")
        late = _filtered(late, kept, "area_path", "status")
    counts = dict(qs.values_list("status").annotate(n=Count("*")).order_by())
    counts["overdue"] = late.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now()).count()
    return counts


@dataclass
class OverviewRow:
    """One line of the overview: a child area (or, with ``area`` None, the problems placed
    on the parent itself) and its counts per status, with ``overdue``."""

    area: Any
    counts: dict[str, int]

    @property
    def open(self) -> int:
        return sum(self.counts.get(s, 0) for s in OPEN_STATUSES)

    @property
    def closed(self) -> int:
        return self.counts.get(Status.CLOSED, 0) + self.counts.get(Status.EVALUATED, 0)

    @property
    def overdue(self) -> int:
        return self.counts.get("overdue", 0)

    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in OPEN_STATUSES]

    def linked_cells(self) -> list[tuple[str, int]]:
        """``cells`` with each status, for the links to the board filtered by it."""
        return [(str(s), self.counts.get(s, 0)) for s in OPEN_STATUSES]


def overview(viewer: Any, area: Any) -> tuple[OverviewRow, list[OverviewRow]]:
    """The street (or community) overview: the area's totals and one row per child area,
    counted as the board's chips are. Problems placed on the area itself (a community's
    triage, outside every grid) form a row of their own, so the rows add up to the total.
    The viewer must see the whole area (the caller checks), so no scope test is needed.

    The area's rows are counted once, per place and status, in the order of the
    (area_path, status, due_at) index (no sort; as many groups as places with problems
    times statuses), and the places are added up to their child area here; one count per
    child cost 4.5× the street's count on PostgreSQL at a million problems, and grouping
    by the child's part of the path made SQLite sort the million rows."""
    from shequ.areas.models import Area

    children = list(Area.objects.filter(parent=area).order_by("path"))
    lengths = sorted({len(c.path) for c in children})
    by_path: dict[str, dict[str, int]] = {c.path: {} for c in children}
    total: dict[str, int] = {}
    statuses = (
        Problem.objects.filter(under(area.path))
        .values_list("area_path", "status")
        .annotate(n=Count("*"))
        .order_by()
    )
    # Past due: read (status, due_at, area_path), as the chips' count does.
    late = (
        _by_recency(viewer)
        .filter(under(area.path, "scan_path"), status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        .values_list("area_path")
        .annotate(n=Count("*"))
        .order_by()
    )
    rows = [*statuses, *((path, "overdue", k) for path, k in late)]
    for path, key, k in rows:
        total[key] = total.get(key, 0) + k
        child = next((by_path[path[:n]] for n in lengths if path[:n] in by_path), None)
        if child is not None:
            child[key] = child.get(key, 0) + k
    found = [OverviewRow(c, by_path[c.path]) for c in children]
    rest = {k: v - sum(r.counts.get(k, 0) for r in found) for k, v in total.items()}
    if any(rest.values()):
        found.append(OverviewRow(None, rest))
    return OverviewRow(None, total), found


MAP_PINS = 5000


def map_points(
    viewer: Any, area_path: str, filters: Filters | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The pins of the open problems under ``area_path`` (with the board's category,
    level, source and overdue filters, if given), and how many there are in all. At most
    ``MAP_PINS`` are drawn: those nearest or furthest past their due time first, so what
    is left out is never the overdue."""
    qs = _filtered(
        Problem.objects.filter(scope_q(viewer, Permission.PROBLEM_VIEW)).filter(
            under(area_path), lat__isnull=False, status__in=OPEN_STATUSES
        ),
        filters or Filters(),
        "area_path",
        "status",
    ).values("id", "lon", "lat", "status", "category__name", "due_at")
    now = timezone.now()
    found = [
        {
            "id": r["id"],
            "lon": r["lon"],
            "lat": r["lat"],
            "status": r["status"],
            "category": r["category__name"],
            "overdue": bool(r["due_at"] and r["due_at"] < now),
        }
        for r in qs.order_by(F("due_at").asc(nulls_last=True), "-id")[: MAP_PINS + 1]
    ]
    total = len(found) if len(found) <= MAP_PINS else qs.count()
    return found[:MAP_PINS], total


def open_by_grid(viewer: Any, area_path: str, filters: Filters | None = None) -> tuple[dict[str, int], int]:
    """Open problems per grid code, to shade the map (filtered as its pins): every open
    problem under a grid counts for it, those placed on a building or a household (a
    visit's finding, a hotline order given an address) as well as those pinned to it.
    Also how many open problems lie under no grid (placed on a community or the street
    itself: a hotline order without an address), which no shade shows."""
    qs = _filtered(
        Problem.objects.filter(scope_q(viewer, Permission.PROBLEM_VIEW)).filter(
            under(area_path), status__in=OPEN_STATUSES
        ),
        filters or Filters(),
        "area_path",
        "status",
    )
    grids = set(
        Area.objects.filter(under(area_path, "path"), kind=AreaKind.GRID).values_list("code", flat=True)
    )
    counts: dict[str, int] = {}
    outside = 0
    for path, n in qs.values_list("area_path").annotate(n=Count("id")).order_by():
        grid = next((code for code in codes(path) if code in grids), None)
        if grid is not None:
            counts[grid] = counts.get(grid, 0) + n
        else:
            outside += n
    return counts, outside


def grids_to_place(viewer: Any, problem: Problem) -> list[tuple[str, str]]:
    """(code, name) of the grids and estates an unplaced problem may be placed in at 立案
    or 派遣 (services._place_in_grid): under its place, in the viewer's triage scope."""
    if problem.located:
        return []
    rows = (
        Area.objects.visible_to(viewer, Permission.PROBLEM_TRIAGE)
        .under(problem.area_path)
        .filter(kind__in=(AreaKind.GRID, AreaKind.ESTATE))
        .order_by("path")
        .values_list("code", "name", "kind", "path")
    )
    # A 小区 divided into grids is not offered: its grids are (services.locates).
    grids = [path for _c, _n, kind, path in rows if kind == AreaKind.GRID]
    return [
        (code, name if kind == AreaKind.GRID else f"{name}（小区）")
        for code, name, kind, path in rows
        if kind == AreaKind.GRID or not any(g.startswith(path) for g in grids)
    ]


def may_escalate(user: Any, problem: Problem) -> bool:
    """上报上一级 is the level's own judgement that it cannot solve the problem: its 承办人,
    or whoever handles or triages at the level it now sits at (or above). A grid worker
    may not push the community's or the street's problem up over their heads."""
    from shequ.problems.routing import responsible_area

    if problem.assignee_id is not None and problem.assignee_id == getattr(user, "pk", None):
        return True
    level = responsible_area(problem.area_path, problem.handling_level)
    path = level.path if level is not None else problem.area_path
    return can(user, Permission.PROBLEM_HANDLE, path) or can(user, Permission.PROBLEM_TRIAGE, path)


def may_dispatch(user: Any, problem: Problem) -> bool:
    """派遣 of a problem escalated to its level is that level's: a community that sent its
    problem up to the street may not send it back down (or dispatch it at the street) over
    the street's head, as 上报上一级 and 督办 already take it to be the street's. A problem
    accepted at its category's level (seed 004's 物业管理, which the community secretary
    coordinates) is dispatched by the triage staff of its place, as ever."""
    from shequ.problems.models import ProblemEvent
    from shequ.problems.routing import responsible_area

    if not can(user, Permission.PROBLEM_TRIAGE, problem.area_path):
        return False
    # 已立案 is reached by 立案 from 已上报 (never again once escalated) or by 上报上一级.
    if (
        problem.status != Status.ACCEPTED
        or not ProblemEvent.objects.filter(problem=problem, action="escalate").exists()
    ):
        return True
    level = responsible_area(problem.area_path, problem.handling_level)
    return can(user, Permission.PROBLEM_TRIAGE, level.path if level is not None else problem.area_path)


def actions_for(user: Any, problem: Problem) -> list[tuple[str, str]]:
    """The lifecycle actions this user may take on this problem now: (action, label)."""
    from shequ.problems.lifecycle import OWNER, TRANSITIONS, allowed_from
    from shequ.problems.routing import next_level

    out = []
    checker: list[int | None] = []  # who reported back, read once, when a 核查 is in question
    for action in allowed_from(problem.status):
        if action == "escalate" and (
            next_level(problem.handling_level) is None or not may_escalate(user, problem)
        ):
            continue  # at the top level (职能部门), or not this user's level: refused
        if action == "dispatch" and not may_dispatch(user, problem):
            continue  # escalated to a level above the user's: that level dispatches it
        if action == "reopen" and reopen_lapsed(problem):
            continue  # the service would refuse it; the page says to report it again
        if action in ("verify_pass", "verify_fail", "evaluate"):
            if not checker:
                checker.append(reported_back_by(problem))
            if checker[0] == getattr(user, "pk", None):
                continue  # nobody checks or rates their own work: the service would refuse it
        rule = TRANSITIONS[action]
        for perm in rule.permissions:
            mine = perm == OWNER and is_owner(user, problem)
            if mine or (perm != OWNER and can(user, perm, problem.area_path)):
                out.append((action, rule.label))
                break
    return out


def reopen_lapsed(problem: Problem, now: Any = None) -> bool:
    """Closed more than ``SHEQU_REOPEN_DAYS`` ago: it can no longer be reopened."""
    from django.conf import settings

    closed = problem.closed_at
    return closed is not None and (now or timezone.now()) - closed > timedelta(days=settings.REOPEN_DAYS)


def reported_back_by(problem: Problem) -> int | None:
    """Who last reported the work done (反馈): the one person who may not check it."""
    return (
        problem.events.filter(action="report_back")
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


def month_problems(viewer: Any, area_path: str, month: str) -> QuerySet[Problem]:
    """Problems reported in ``month`` (YYYYMM) under an area, for ledgers and exports."""
    from shequ.problems.ledgers import month_range

    start, end = month_range(month)
    return Problem.objects.filter(scope_q(viewer, Permission.PROBLEM_EXPORT)).filter(
        under(area_path), reported_at__gte=start, reported_at__lt=end
    )


def report_runs(viewer: Any) -> QuerySet[Any]:
    from shequ.problems.models import ReportRun

    return ReportRun.objects.filter(scope_q(viewer, Permission.PROBLEM_EXPORT)).select_related("area")


def newest_sent_runs(runs: list[Any]) -> dict[tuple[int, str], int]:
    """(area id, month) → the id of the newest run sent to the street, for those of ``runs``."""
    from django.db.models import Max

    from shequ.problems.models import ReportRun

    rows = (
        ReportRun.objects.filter(
            area_id__in={r.area_id for r in runs},
            month__in={r.month for r in runs},
            submitted_at__isnull=False,
        )
        .values("area_id", "month")
        .annotate(newest=Max("id"))
    )
    return {(r["area_id"], r["month"]): r["newest"] for r in rows}


def report_due(month: str) -> date:
    """The day a community's report of ``month`` (YYYYMM) is due at the street: the 25th
    of that month (seed 004: 每月25日之前上报街道党群办)."""
    return date(int(month[:4]), int(month[4:]), 25)


@dataclass
class Submission:
    """A community's 报送 of a month's report, as its street sees it."""

    community: Any
    first_at: Any  # when it was first sent (None: not yet)
    latest: Any  # the newest run sent (a correction replaces the first)
    on_time: bool
    overdue: bool  # not sent and the 25th has passed
    street: Any = None  # its street: named when the viewer's rows span several


def report_submissions(viewer: Any, month: str) -> list[Submission]:
    """Each community of the streets the viewer exports for, with its 报送 of ``month``."""
    from shequ.areas.selectors import home_areas
    from shequ.problems.models import ReportRun

    streets = [a for a in home_areas(viewer, Permission.PROBLEM_EXPORT) if a.kind == AreaKind.STREET]
    if not streets:
        return []
    communities = list(
        Area.objects.filter(parent__in=streets, kind=AreaKind.COMMUNITY).defer("geometry").order_by("path")
    )
    by_pk: dict[int | None, Area] = {street.pk: street for street in streets}
    sent: dict[int, list[Any]] = {}
    runs = ReportRun.objects.filter(area__in=communities, month=month, submitted_at__isnull=False)
    for run in runs.order_by("submitted_at", "id"):
        sent.setdefault(run.area_id, []).append(run)
    due = report_due(month)
    today = timezone.localdate()
    rows = []
    for community in communities:
        got = sent.get(community.pk, [])
        first = got[0].submitted_at if got else None
        on_time = first is not None and timezone.localtime(first).date() <= due
        rows.append(
            Submission(
                community,
                first,
                got[-1] if got else None,
                on_time,
                not got and today > due,
                street=by_pk[community.parent_id],
            )
        )
    return rows


def get_report_run(viewer: Any, run_id: int) -> Any:
    run = report_runs(viewer).filter(pk=run_id).first()
    if run is None:
        raise NotFound("月报")
    return run


def agenda_items(viewer: Any) -> QuerySet[Any]:
    """The joint meeting's agenda: street-level problems, undiscussed first. The street
    sees its whole agenda; a community's triage staff see the items of their community's
    problems (the secretary brings them to the meeting), which only the street marks
    discussed (``may_mark_discussed``)."""
    from shequ.problems.models import AgendaItem

    # Waiting for the meeting: not discussed, and the problem still in hand at the street
    # or above (one closed, merged or rejected since, or sent back down to the community,
    # needs no meeting, and says so instead of 待讨论).
    waiting = Case(
        When(
            discussed_at__isnull=True,
            problem__status__in=OPEN_STATUSES,
            problem__handling_level__in=MEETING_LEVELS,
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        AgendaItem.objects.filter(scope_q(viewer, Permission.PROBLEM_TRIAGE, "problem__area_path"))
        .select_related("problem__category", "problem__area", "street")
        .annotate(settled=waiting)
        # Waiting ones in the order they came; then the rest newest first (by the meeting
        # that took it up, else when it was listed), so that after a year of meetings the
        # latest are on the page, not the first ones ever discussed.
        .alias(
            newest=Case(
                When(settled=0, then=Value(None)),
                default=Coalesce("discussed_at", "added_at"),
                output_field=DateTimeField(),
            )
        )
        .order_by("settled", F("newest").desc(nulls_first=True), "added_at", "-id")
    )


# The levels whose problems the joint meeting takes up: the street's, and those the street
# passed on to a department (吹哨报到).
MEETING_LEVELS = (HandlingLevel.STREET, HandlingLevel.DEPARTMENT)


def not_for_meeting(item: Any) -> str:
    """Why an item not yet discussed no longer waits on the meeting ("" while it does): its
    problem settled (closed, merged, rejected), or sent back down (派遣 at the community's
    or the grid's level) for that level to handle."""
    p = item.problem
    if item.discussed_at is not None:
        return ""
    if p.status not in OPEN_STATUSES:
        return f"问题{p.get_status_display()}，不需讨论"
    if p.handling_level not in MEETING_LEVELS:
        return f"问题已交{HandlingLevel(p.handling_level).label}层级办理，不需讨论"
    return ""


def with_communities(items: list[Any]) -> None:
    """Set each agenda item's ``community``: the name of the community its problem lies in
    ("" for one placed on the street itself, or when the place is the community): a
    street's agenda spans its communities, and every one may have a 第一网格."""
    from shequ.areas.paths import ancestors

    def community_path(item: Any) -> str:
        above = ancestors(item.problem.area_path)
        return above[1] if len(above) > 1 else ""

    paths = {community_path(item) for item in items} - {""}
    names = dict(
        Area.objects.filter(path__in=paths, kind=AreaKind.COMMUNITY).values_list("path", "name")
        if paths
        else []
    )
    for item in items:
        name = names.get(community_path(item), "")
        item.community = "" if name == item.problem.area.name else name


def may_mark_discussed(viewer: Any, item: Any) -> bool:
    """Whether the viewer runs the meeting the item is on: triage over its street."""
    return can(viewer, Permission.PROBLEM_TRIAGE, item.area_path)


def version(problem: Problem) -> int:
    """The id of the problem's newest timeline step: what a page or client acted from."""
    from shequ.problems.models import ProblemEvent

    newest = ProblemEvent.objects.filter(problem=problem).order_by("-id").values_list("id", flat=True)
    return newest.first() or 0
