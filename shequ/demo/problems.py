"""A year of problems for the demo streets, in every state and from every channel, with
photos drawn here (no files from elsewhere). Loaded through the problems service's
history import, which replays each problem's steps against the lifecycle table."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from shequ.areas.models import Area, AreaKind
from shequ.demo.crew import Crew, office_hours
from shequ.problems import photos, routing
from shequ.problems.models import ProblemCategory, Source
from shequ.problems.services import (
    FOLLOWABLE_SOURCES,
    HistoryEvent,
    HistoryRow,
    TransitionInput,
    import_history,
    transition,
)

DESCRIPTIONS = {
    "neighbour_dispute": ["楼上住户深夜噪音扰民，双方多次争吵", "邻居在楼道堆放杂物，引发口角"],
    "garbage": ["小区垃圾桶满溢两天未清运", "绿化带内有建筑垃圾堆放"],
    "blocked_drain": ["单元下水管道堵塞，污水反涌", "小区主排水管堵塞，路面积水"],
    "septic_tank": ["化粪池满溢有异味，需要清掏"],
    "employment_policy": ["咨询失业登记和再就业补贴办理", "想了解公益性岗位报名条件"],
    "social_security_policy": ["咨询灵活就业人员社保缴费"],
    "subsistence_policy": ["咨询低保申请条件和所需材料"],
    "pension_policy": ["咨询高龄津贴和养老保险待遇认证"],
    "property_management": ["物业不作为，电梯长期故障无人维修", "物业费收支不公开，业主意见大"],
    "drinking_water": ["自来水发黄有异味", "二次供水水箱长期未清洗"],
    "fire_lane": ["消防通道被私家车长期占用", "楼道内电动车充电，消防隐患"],
    "river_management": ["河道淤积，汛期有漫堤风险"],
    "forest_fire_lane": ["山林防火通道杂草丛生，车辆无法通行"],
    "road_expansion": ["进出小区道路狭窄，高峰期拥堵严重"],
    "hotline_order": ["12345转办：反映夜间施工噪音", "12345转办：反映路灯不亮"],
    "safety_hazard": ["楼顶广告牌松动，随时可能坠落", "燃气管道有异味，疑似泄漏"],
}
WEIGHTS = {
    "neighbour_dispute": 14,
    "garbage": 14,
    "blocked_drain": 10,
    "septic_tank": 4,
    "employment_policy": 6,
    "social_security_policy": 4,
    "subsistence_policy": 4,
    "pension_policy": 4,
    "property_management": 9,
    "drinking_water": 3,
    "fire_lane": 5,
    "river_management": 1,
    "forest_fire_lane": 1,
    "road_expansion": 2,
    "hotline_order": 12,
    "safety_hazard": 7,
}
SOURCES = [
    (Source.RESIDENT, 35),
    (Source.ON_BEHALF, 10),
    (Source.VISIT, 15),
    (Source.OPINION_CHANNEL, 10),
    (Source.HOTLINE, 15),
    (Source.PATROL, 15),
]


def draw_photos(rng: random.Random, count: int, proof: bool) -> list[photos.StoredPhoto]:
    """Simple pictures (a scene of blocks, no words on them), re-encoded by the photo service."""
    out = []
    for _ in range(count):
        image = Image.new(
            "RGB", (640, 480), (rng.randrange(150, 230), rng.randrange(150, 230), rng.randrange(150, 230))
        )
        pen = ImageDraw.Draw(image)
        for _ in range(3 if proof else 8):  # after the work: a tidier scene
            x, y = rng.randrange(0, 560), rng.randrange(0, 400)
            pen.rectangle(
                [x, y, x + rng.randrange(30, 120), y + rng.randrange(30, 120)],
                fill=(rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200)),
            )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG")
        buffer.seek(0)
        buffer.name = "demo.jpg"
        (encoded,) = photos.prepare([buffer])
        out.append(photos.store(encoded))
    return out


def _state(rng: random.Random, months_ago: int) -> str:
    if months_ago >= 2:
        table = [("evaluated", 68), ("closed", 20), ("rejected", 6), ("in_progress", 2), ("escalated", 4)]
    elif months_ago == 1:
        table = [
            ("evaluated", 45),
            ("closed", 25),
            ("reported_back", 8),
            ("in_progress", 10),
            ("rejected", 5),
            ("escalated", 7),
        ]
    else:
        table = [
            ("reported", 15),
            ("accepted", 10),
            ("dispatched", 20),
            ("in_progress", 20),
            ("reported_back", 10),
            ("closed", 12),
            ("evaluated", 8),
            ("rejected", 5),
        ]
    return rng.choices([s for s, _ in table], weights=[w for _, w in table])[0]


def _people(
    crew: Crew,
    grid: Area,
    source: str,
    level: str,
    street_admin: Any,
    *,
    escalated: bool = False,
    n: int = 0,
) -> dict[str, Any]:
    """Who takes each part in a problem of ``grid``: what is the estate's its grid worker
    handles, what is the community's its staff (checked by the secretary), and what goes
    up the street's office; residents report and rate their own, grid workers patrol,
    visit and report for the elderly, staff enter 12345 work orders. Once ``escalated``
    to the street or a department, the street (told of it, as the live step tells its
    triage) dispatches it. ``n``: which of the grid's residents reports."""
    worker = crew.grid_workers[grid.path]
    handler = {"estate": worker, "community": crew.staff}.get(level, street_admin)
    verifier = crew.secretary if handler is crew.staff else crew.staff
    resident = crew.resident(grid.path, n)
    if source in (Source.RESIDENT, Source.OPINION_CHANNEL):
        reporter = resident
    elif source in (Source.PATROL, Source.VISIT, Source.ON_BEHALF):
        reporter = worker
    else:  # 12345 work orders are entered by the community's staff
        reporter = crew.staff
    above_community = level not in ("estate", "community")
    return {
        "reporter": reporter,
        "level": level,
        "resident": resident if reporter is resident else None,
        "triage": street_admin if escalated and above_community else crew.secretary,
        "handler": handler,
        "verifier": verifier,
        "urger": street_admin,
        # 回访评价: the resident rates their own report; otherwise the visit is staff's.
        "evaluator": reporter if reporter is resident else verifier,
    }


def build(street: Area, admin: Any, crews: dict[str, Crew], rng: random.Random, per_month: int) -> int:
    """``per_month`` problems a month for a year in ``street``, by its communities' crews
    and its admin (who urges, and handles what reaches the street's level)."""
    now = timezone.now()
    grids = list(Area.objects.filter(kind=AreaKind.GRID, path__startswith=street.path).order_by("path"))
    categories = {c.code: c for c in ProblemCategory.objects.all()}
    codes = list(WEIGHTS)
    # A few dozen, so the same picture does not come back on every other problem.
    report_pics = draw_photos(rng, 24, proof=False)
    proof_pics = draw_photos(rng, 12, proof=True)
    rows: list[HistoryRow] = []
    first_of_month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    firsts: dict[str, tuple[Any, Area, float, float]] = {}
    twinned: set[str] = set()
    for months_ago in range(11, -1, -1):
        index = first_of_month.year * 12 + first_of_month.month - 1 - months_ago
        start = first_of_month.replace(year=index // 12, month=index % 12 + 1)
        end = min(now, (start + timedelta(days=32)).replace(day=1))
        span = (end - start).total_seconds()
        for _ in range(per_month):
            category = categories[rng.choices(codes, weights=[WEIGHTS[c] for c in codes])[0]]
            source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
            if category.code == "hotline_order":
                source = Source.HOTLINE
            grid = rng.choice(grids)
            ring = (grid.geometry or {})["coordinates"][0]
            lon = rng.uniform(ring[0][0], ring[1][0])
            lat = rng.uniform(ring[0][1], ring[2][1])
            reported = start + timedelta(seconds=rng.uniform(0, span * 0.97))
            state = _state(rng, months_ago)
            crew = crews[grid.path.rsplit("/", 2)[0] + "/"]
            if months_ago == 0 and state == "reported" and source in FOLLOWABLE_SOURCES:
                # The same thing reported twice in a community (for the triage to merge):
                # this month's second waiting report there repeats its first.
                key = crew.community.path
                if key not in firsts:
                    firsts[key] = (category, grid, lon, lat)
                elif len(twinned) < 3 and key not in twinned:
                    twinned.add(key)
                    category, grid, lon, lat = firsts[key]
                    lon += 0.0001
            n = len(rows)
            people = _people(crew, grid, source, category.handling_level, admin, n=n)
            if people["resident"] is None:  # staff enter what they find in office hours
                reported = min(office_hours(reported, start), now - timedelta(minutes=5))
            up = routing.next_level(category.handling_level) or category.handling_level
            above = _people(crew, grid, source, up, admin, escalated=True, n=n)
            events, resolved, satisfaction = _steps(
                rng, state, reported, now, category, people, above, proof_pics
            )
            # Who holds it now, by the live rules: dispatching to one of the community's own
            # people puts it in their 待办, starting it makes the starter its 承办人, and
            # escalating leaves it to the next level's triage (whose people go on with it).
            crew_now = people
            assignee = None
            for e in events:
                if e.action == "dispatch":
                    assignee = crew_now["handler"] if crew_now["handler"] is not admin else None
                elif e.action == "start":
                    assignee = e.actor
                elif e.action == "escalate":
                    assignee, crew_now = None, above
            rows.append(
                HistoryRow(
                    category=category,
                    description=rng.choice(DESCRIPTIONS[category.code]),
                    source=source,
                    area=grid,
                    reporter=people["reporter"],
                    on_behalf_of=crew.elder(grid.path, n) if source == Source.ON_BEHALF else None,
                    reported_at=reported,
                    events=events,
                    lon=lon,
                    lat=lat,
                    hotline_order_no=f"12345-{reported:%Y%m%d}-{rng.randrange(10000):04d}"
                    if source == Source.HOTLINE
                    else "",
                    resolved=resolved,
                    satisfaction=satisfaction,
                    responsible_party="区住建委" if crew_now["level"] == "department" else "",
                    assignee=assignee,
                    report_photos=[rng.choice(report_pics)] if rng.random() < 0.4 else [],
                )
            )
    _reopen_some(rows, now, proof_pics)
    count = import_history(rows)
    _visits_found(street)
    _merges(street, crews)
    _meetings(street, admin, now)
    return count


def _visits_found(street: Area) -> None:
    """The visit each 走访发现 problem was found on: its reporter's, to a household of its
    grid, on the day it was reported, the problem its visit's need was passed on to.
    Written after the fact as the history is (dated then, no random draws)."""
    from shequ.demo.registry import SITUATIONS
    from shequ.people.models import Household, Visit, VisitNeed
    from shequ.problems.models import Problem

    homes: dict[str, list[tuple[int, str]]] = {}
    for pk, path in Household.objects.under(street.path).order_by("area_path").values_list("pk", "area_path"):
        grid = "/".join(path.split("/")[:4]) + "/"  # /street/community/grid/
        homes.setdefault(grid, []).append((pk, path))
    found = list(
        Problem.objects.filter(area_path__startswith=street.path, source=Source.VISIT)
        .select_related("category")
        .order_by("id")
    )
    visits = []
    for p in found:
        pool = homes["/".join(p.area_path.split("/")[:4]) + "/"]
        household, path = pool[p.pk % len(pool)]
        visits.append(
            Visit(
                household_id=household,
                area_path=path,
                visitor_id=p.reporter_id,
                visited_on=timezone.localtime(p.reported_at).date(),
                people_met="户主",
                situation=SITUATIONS[p.pk % len(SITUATIONS)],
            )
        )
    Visit.objects.bulk_create(visits)
    for v, p in zip(visits, found, strict=True):  # as recorded then (bulk_create stamps now)
        Visit.objects.filter(pk=v.pk).update(created_at=p.reported_at)
    VisitNeed.objects.bulk_create(
        VisitNeed(
            visit=v, area_path=v.area_path, description=p.description, category=p.category.code, problem=p
        )
        for v, p in zip(visits, found, strict=True)
    )


def _meeting_days(now: datetime) -> list[datetime]:
    """The street's monthly joint meetings (联席会议) of the past year: the 15th at 14:30,
    or the Monday after when the 15th is a weekend."""
    local = timezone.localtime(now)
    days = []
    for back in range(12, -1, -1):
        index = local.year * 12 + local.month - 1 - back
        day = local.replace(year=index // 12, month=index % 12 + 1, day=15, hour=14, minute=30, second=0)
        day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
        if day < local:
            days.append(day.replace(microsecond=0))
    return days


def _meetings(street: Area, admin: Any, now: datetime) -> None:
    """The agenda items each past meeting took up, marked through the service by the
    street's admin on the meeting's day: the first meeting after the item was listed and
    its problem reached the state it is in (the timeline records that state). Those
    listed or moved on since the last meeting wait for the next."""
    from unittest import mock

    from shequ.problems.models import AgendaItem, ProblemEvent
    from shequ.problems.services import mark_discussed

    days = _meeting_days(now)
    items = AgendaItem.objects.filter(street=street, discussed_at__isnull=True).order_by("added_at", "id")
    for item in items:
        moved = (
            ProblemEvent.objects.filter(problem_id=item.problem_id)
            .exclude(from_status=F("to_status"))
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        since = max(item.added_at, moved or item.added_at)
        meeting = next((d for d in days if d > since), None)
        if meeting is None:
            continue
        # The service dates what it records "now": now is the meeting.
        with mock.patch.object(timezone, "now", return_value=meeting.astimezone(UTC)):
            mark_discussed(admin, item.pk)


def _reopen_some(rows: list[HistoryRow], now: datetime, proof_pics: list[photos.StoredPhoto]) -> None:
    """重新打开: a few residents reopen what was closed, within the window, unhappy with
    the work; three are handled again and closed (and rated again), one is still in
    hand. Chosen in order and timed from their own steps, drawing nothing from the
    street's random stream, so every other demo problem stays as it was."""
    again, still_open = 0, 0
    for row in rows:
        if row.source != Source.RESIDENT or not row.events or again + still_open == 4:
            continue
        last = row.events[-1]
        if last.action not in ("verify_pass", "evaluate"):
            continue
        age = now - last.at
        keep_open = still_open == 0 and timedelta(days=3) < age < timedelta(days=20)
        if not keep_open and not (again < 3 and timedelta(days=40) < age < timedelta(days=300)):
            continue
        back = next(e for e in reversed(row.events) if e.action == "report_back")
        check = next(e for e in reversed(row.events) if e.action == "verify_pass")
        if last.action == "evaluate":  # the rating that led the resident to reopen it
            last.resolved, last.satisfaction = False, 2
        hours = settings.DEADLINE_HOURS[row.category.deadline_class]
        t = last.at + timedelta(days=1)
        row.events.append(HistoryEvent("reopen", t, row.reporter, "问题没有彻底解决，又出现了"))
        row.resolved, row.satisfaction = None, None
        if keep_open:
            still_open += 1
            continue
        again += 1
        t = office_hours(t + timedelta(hours=hours * 0.5), t)
        pic = proof_pics[len(row.events) % len(proof_pics)]
        row.events.append(HistoryEvent("report_back", t, back.actor, "已再次处置，附现场照片", photos=[pic]))
        t = office_hours(t + timedelta(hours=2), t)
        row.events.append(HistoryEvent("verify_pass", t, check.actor))
        t += timedelta(days=1)
        row.events.append(HistoryEvent("evaluate", t, row.reporter, resolved=True, satisfaction=4))
        row.resolved, row.satisfaction = True, 4


def _steps(
    rng: random.Random,
    state: str,
    t: datetime,
    now: datetime,
    category: Any,
    staff: dict[str, Any],
    above: dict[str, Any],
    proof_pics: list[photos.StoredPhoto],
) -> tuple[list[HistoryEvent], bool | None, int | None]:
    """The steps of a problem reported at ``t``, taken by ``staff`` and, once it is
    escalated, by the next level's people (``above``). Staff take theirs in office hours."""
    hours = settings.DEADLINE_HOURS[category.deadline_class]
    events: list[HistoryEvent] = []

    def step(action: str, after_hours: float, who: str, note: str = "") -> bool:
        nonlocal t
        moment = t + timedelta(hours=after_hours)
        if staff[who] is not staff["resident"]:
            moment = office_hours(moment, t)
        if moment > now:
            return False
        t = moment
        # Each report-back with its photo, as the live step requires one.
        pics = [rng.choice(proof_pics)] if action == "report_back" else []
        events.append(HistoryEvent(action, t, staff[who], note, photos=pics))
        return True

    if state == "reported":
        return events, None, None
    response = rng.choice([0.5, 2, 6, 12, 20, 30])
    if state == "rejected":
        step("reject", response, "triage", "不属于社区职责范围，已告知居民向有关部门反映")
        return events, None, None
    if not step("accept", response, "triage"):
        return events, None, None
    if state == "escalated":
        step("escalate", 2, "triage", "本级无法解决，上报上一级")
        staff = above
        if now - t < timedelta(days=45):
            # The recent ones still wait for the next level's 立案/派遣 (the street's: on its
            # 联席会议 agenda), so the demo shows escalation in hand, not only finished.
            return events, None, None
    if state == "accepted" and rng.random() < 0.3:
        step("urge", hours * 0.5, "urger", "请尽快派遣")
    party = "区住建委" if staff["level"] == "department" else ""
    if state == "accepted" or not step("dispatch", 0.5, "triage", party):
        return events, None, None
    if state == "dispatched":
        if rng.random() < 0.3:
            step("urge", hours * 0.8, "urger", "请加快办理")
        return events, None, None
    if not step("start", min(2, hours * 0.1), "handler"):
        return events, None, None
    if state == "in_progress":
        if rng.random() < 0.3:
            step("urge", hours * 0.7, "urger", "请加快办理")
        return events, None, None
    late = rng.random() < 0.18
    work = hours * (rng.uniform(1.05, 1.6) if late else rng.uniform(0.2, 0.85))
    if not step("report_back", work, "handler", "已处置，附现场照片"):
        return events, None, None
    if state == "reported_back":
        return events, None, None
    if rng.random() < 0.08:
        step("verify_fail", 1, "verifier", "现场核查仍未解决，返工")
        step("report_back", hours * 0.1, "handler", "返工完成")
    if not step("verify_pass", 1, "verifier"):
        return events, None, None
    if state == "closed":
        return events, None, None
    satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0]
    if not step("evaluate", rng.uniform(4, 72), "evaluator"):
        return events, None, None
    return events, satisfaction >= 3 or rng.random() < 0.3, satisfaction


def _merges(street: Area, crews: dict[str, Crew]) -> None:
    """The duplicates merged through the service by their community's secretary, so
    "merged" exists too."""
    from shequ.problems.models import Problem, Status

    for crew in crews.values():
        seen: dict[int, int] = {}  # category → the first such report: the one kept
        for pk, category in (
            Problem.objects.filter(
                area_path__startswith=crew.community.path,
                status=Status.REPORTED,
                source__in=FOLLOWABLE_SOURCES,
            )
            .order_by("id")
            .values_list("pk", "category_id")
        ):
            if category in seen:
                transition(crew.secretary, pk, TransitionInput(action="merge", into=seen[category]))
                break
            seen[category] = pk


def send_reports(crews: dict[str, Crew], rng: random.Random) -> None:
    """月报报送: last month's report sent to the street by every community but the last,
    the second of them after the 25th; this month's by the first two so far (sent now,
    through the service, which tells the street)."""
    from shequ.demo.tasks import _audit_at
    from shequ.problems.models import ReportRun
    from shequ.problems.services import submit_monthly_report

    local = timezone.localtime(timezone.now())
    last = local.replace(day=1) - timedelta(days=1)
    ordered = sorted(crews.values(), key=lambda c: c.community.path)
    for n, crew in enumerate(ordered[:-1]):
        day = 27 if n == 1 else rng.randint(18, 24)
        sent = last.replace(day=day, hour=rng.randint(9, 16), minute=rng.randint(0, 59))
        run = _finished_run(crew, f"{last:%Y%m}", sent - timedelta(minutes=8))
        ReportRun.objects.filter(pk=run.pk).update(
            submitted_at=sent, submitted_by=crew.secretary, finished_at=sent - timedelta(minutes=7)
        )
        detail = {"month": run.month, "late": day > 25, "correction": False}
        _audit_at(crew.secretary, "problem.monthly_report_submit", run, sent, detail)
    for crew in ordered[:2]:
        run = _finished_run(crew, f"{local:%Y%m}", local - timedelta(hours=rng.randint(1, 30)))
        submit_monthly_report(crew.secretary, run.pk)


def _finished_run(crew: Crew, month: str, asked: datetime) -> Any:
    """A community's report of ``month``, asked for by its secretary at ``asked`` and made
    by the report job itself (run here, not queued, so no worker is needed)."""
    from shequ.demo.tasks import _audit_at
    from shequ.problems import monthly
    from shequ.problems.models import ReportRun

    area = crew.community
    run = ReportRun.objects.create(area=area, area_path=area.path, month=month, requested_by=crew.secretary)
    ReportRun.objects.filter(pk=run.pk).update(created_at=asked)
    _audit_at(crew.secretary, "problem.monthly_report", run, asked, {"month": month})
    monthly.run_report(run.pk)
    return ReportRun.objects.get(pk=run.pk)
