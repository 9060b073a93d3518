"""Pages of the task list: the board, my tasks, proof upload, the acceptance queue, the
task editor (also 转为任务 from a problem), the monthly list and the resource list."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shequ.access.audit import client_ip
from shequ.access.masking import mask_free_text, shown_to
from shequ.access.roles import Permission, Role
from shequ.access.scope import assignments, can, has_anywhere, staff_only
from shequ.access.tokens import login_or_token_required
from shequ.areas.models import Area
from shequ.areas.paths import codes
from shequ.core.days import day_typed, moment_typed
from shequ.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
    busy_as_unavailable,
)
from shequ.core.filters import unknown_choices
from shequ.core.numbers import ID_MAX, number_error, whole
from shequ.core.pagination import CappedPaginator
from shequ.notifications.services import mark_page_read
from shequ.people import selectors as people_selectors
from shequ.tasks import selectors, services
from shequ.tasks.models import (
    Audience,
    Category,
    ClaimStatus,
    Difficulty,
    ListStatus,
    ProofFile,
    TalentKind,
    Task,
    TaskAttachment,
    TaskStatus,
    TeamKind,
    UnitKind,
    VenueKind,
)

TASK_AREA_KINDS = ("community", "grid", "estate")  # where a task can be set


def _managed_areas(user: Any, permission: str = Permission.TASK_MANAGE) -> Any:
    # Pickers show names: a grid's outline is left in the database.
    return (
        Area.objects.visible_to(user, permission)
        .filter(kind__in=TASK_AREA_KINDS)
        .defer("geometry")
        .order_by("path")[:500]
    )


def _task_area_of(path: str) -> str:
    """The code of the nearest place a task can be set at or above ``path`` (a problem on
    a building or a household becomes a task of its grid or estate)."""
    found = dict(
        Area.objects.filter(code__in=codes(path), kind__in=TASK_AREA_KINDS).values_list("code", "path")
    )
    return max(found, key=lambda code: len(found[code]), default="")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """任务大厅: the tasks a resident may claim, or every task in a staff member's scope."""
    g = request.GET
    raw = {k: g.get(k, "").strip() for k in ("category", "status", "q", "monthly_list", "area")}
    errors = unknown_choices(
        [
            ("category", "类别", raw["category"], Category.values),
            ("status", "状态", raw["status"], TaskStatus.values),
        ]
    )
    monthly_list = whole(raw["monthly_list"], low=1, high=ID_MAX)
    if raw["monthly_list"] and monthly_list is None:
        errors["monthly_list"] = f"月度清单编号“{raw['monthly_list'][:20]}”不是有效的编号"
    area_path = ""
    if raw["area"]:
        # As the API's ?area=: a place outside the viewer's scope is its 404.
        try:
            area_path = selectors.board_area(request.user, raw["area"])
        except ValidationFailed as exc:
            errors |= exc.fields
    staff = selectors.has_task_view(request.user)
    qs = selectors.board(
        request.user,
        category="" if "category" in errors else raw["category"],
        status="" if "status" in errors else raw["status"],
        area_path=area_path,
        q=raw["q"],
        monthly_list=monthly_list,
    )
    page = CappedPaginator(qs, 30).get_page(g.get("page"))
    return render(
        request,
        "tasks/board.html",
        {
            "page": page,
            "raw": raw,
            "categories": Category.choices,
            "statuses": TaskStatus.choices,
            "claim_labels": ClaimStatus.choices,
            # Staff narrow by community, grid or estate (a street's board holds all of
            # its communities' tasks), as the API's ?area= does.
            "areas": _managed_areas(request.user, Permission.TASK_VIEW) if staff else [],
            "staff": staff,
            "manager": has_anywhere(request.user, Permission.TASK_MANAGE),
            "accepter": has_anywhere(request.user, Permission.TASK_ACCEPT),
            # A partner unit's login that no unit lists yet can claim nothing: say why.
            "unitless": not selectors.has_task_view(request.user)
            and not selectors.resident_communities(request.user)
            and not selectors.viewer_units(request.user)
            and Role.PARTNER_UNIT in {role for role, _ in assignments(request.user)},
            "resources": has_anywhere(request.user, Permission.RESOURCE_VIEW),
            # A unit's members say here what the unit offers the community (资源清单).
            "own_units": list(selectors.own_units(request.user))
            if not staff and Role.PARTNER_UNIT in {role for role, _ in assignments(request.user)}
            else [],
            **selectors.claim_load(request.user),
            "cap": settings.TASK_OPEN_CLAIM_CAP,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


# 进行中 is what the header counts against the cap; 待验收 waits on someone else. "open"
# (both), the tab before they were split, still works from an old link.
MINE_TABS = [
    ("", "全部"),
    ("todo", "进行中"),
    ("submitted", "待验收"),
    ("accepted", "已验收"),
    ("withdrawn", "已撤回"),
]


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    errors = unknown_choices([("status", "状态", status, [*(code for code, _ in MINE_TABS), "open"])])
    if errors:
        status = ""
    page = CappedPaginator(selectors.my_claims(request.user, status), 20).get_page(request.GET.get("page"))
    for c in page:  # the reason is the returner's text: numbers in it masked, as everywhere
        c.return_reason = shown_to(request.user, c.decided_by_id, c.return_reason)
        c.reversed = selectors.award_reversal(c)  # 冲正, read with the page's claims
    return render(
        request,
        "tasks/mine.html",
        {
            "page": page,
            "status": status,
            "tabs": MINE_TABS,
            "errors": errors,
            **selectors.claim_load(request.user),
            "cap": settings.TASK_OPEN_CLAIM_CAP,
        },
        status=400 if errors else 200,
    )


def _parse_deadline(raw: str) -> datetime | None:
    """The deadline as typed, or None when blank or not a date and time (the caller
    names the field; the service is still asked, so every other field is checked too).
    Where the browser has no picker it is typed as people write it (2026/12/2 18:00,
    2026年12月2日): read as the picker's text, so a day alone still ends at 23:59:59."""
    if not raw:
        return None
    day, moment = day_typed(raw), moment_typed(raw)
    if day is not None:
        raw = day.isoformat()
    elif moment is not None:
        raw = moment.isoformat()
    return services.deadline_typed(raw)


def _typed_errors(values: dict[str, Any]) -> dict[str, str]:
    """What cannot be read from the form at all, to show beside the service's checks."""
    if values["deadline"] and _parse_deadline(values["deadline"]) is None:
        return {"deadline": f"截止时间格式不正确：“{str(values['deadline'])[:30]}”"}
    return {}


def _source_problem(user: Any, raw: Any) -> Any:
    """The problem a new task is made from, to be named by its 编号 (as every page names a
    problem), or None when the id is not one the user may open."""
    from shequ.problems.selectors import get_problem

    problem_id = whole(raw or "", low=1, high=ID_MAX)
    if problem_id is None:
        return None
    try:
        return get_problem(user, problem_id)
    except NotFound:
        return None


def _editor_context(request: HttpRequest, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "source_problem": _source_problem(request.user, values.get("problem")),
        "areas": _managed_areas(request.user),
        "categories": Category.choices,
        "difficulties": [(c, label, settings.TASK_POINTS[c]) for c, label in Difficulty.choices],
        "audiences": Audience.choices,
        "units": _choices(selectors.units(request.user).defer("area__geometry"), values.get("target_units")),
        # names only, not their members
        "teams": _choices(selectors.team_choices(request.user), values.get("target_teams")),
        # With their household: two of one name and trade are told apart.
        "talents": _choices(
            selectors.talents(request.user)
            .select_related("resident__household__building")
            .defer("resident__household__building__geometry"),  # a building is an area
            values.get("target_talents"),
        ),
        # Drafts of this month on (one of a month that is over can no longer be submitted).
        "lists": selectors.monthly_lists(request.user).filter(
            status="draft", month__gte=f"{timezone.localdate():%Y%m}"
        )[:24],
    }


TARGET_CHOICES = 200  # the units, teams and skilled residents listed to aim a task at


def _choices(rows: Any, chosen: Any) -> list[Any]:
    """The first TARGET_CHOICES of ``rows``, and those ``chosen`` beyond them: a target
    further down a street's registry, left out of the list, was dropped by saving the
    draft (the browser sends only the options shown selected)."""
    shown = list(rows[:TARGET_CHOICES])
    listed = {row.pk for row in shown}
    wanted = {n for n in (whole(v, low=1, high=ID_MAX) for v in chosen or []) if n} - listed
    return shown + list(rows.filter(pk__in=wanted)) if wanted else shown


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """The task editor (staff); ``?problem=<id>`` turns a problem into a task."""
    staff_only(request.user, Permission.TASK_MANAGE, "只有社区工作人员可以发布任务")
    fields = (
        "title",
        "description",
        "category",
        "difficulty",
        "places",
        "deadline",
        "area",
        "audience",
        "problem",
        "monthly_list",
    )
    if request.method != "POST":
        # The form's idempotency key: a double click or a resent form saves one task.
        values: dict[str, Any] = {
            "places": "1",
            "difficulty": "normal",
            "audience": "public",
            "publish": "1",
            "idempotency_key": uuid.uuid4().hex,
        }
        problem_id = whole(request.GET.get("problem", ""), low=1, high=ID_MAX)
        if problem_id is not None:
            from shequ.problems.selectors import get_problem

            problem = get_problem(request.user, problem_id)
            # The problem's own text may name the reporter or give their phone, and a
            # task is public: start from a neutral title and link the problem instead.
            values |= {
                "problem": problem.pk,
                "title": f"{problem.category.name}处理",
                "description": "",
                "area": _task_area_of(problem.area_path),
            }
        context = _editor_context(request, values, {})
        # Opened from a draft list (its tasks, or 添加任务 on its row): the list is chosen,
        # not left at 临时任务 with 立即发布 ticked (saved so, it went out unapproved).
        listed = whole(request.GET.get("monthly_list", ""), low=1, high=ID_MAX)
        if listed is not None and any(m.pk == listed for m in context["lists"]):
            values["monthly_list"] = str(listed)
        return render(request, "tasks/editor.html", context)
    values = {k: request.POST.get(k, "").strip() for k in (*fields, "idempotency_key", "publish")}
    values["target_units"] = request.POST.getlist("target_units")
    values["target_teams"] = request.POST.getlist("target_teams")
    values["target_talents"] = request.POST.getlist("target_talents")
    try:
        data = _task_input(values)
        data.problem = whole(values["problem"], low=1, high=ID_MAX)
        if values["problem"] and data.problem is None:  # the hidden field altered: not dropped
            raise ValidationFailed({"problem": "问题不存在或无权查看"})
        data.idempotency_key = values["idempotency_key"]
        data.files = request.FILES.getlist("files")
        with busy_as_unavailable():
            task, _ = services.create_task(request.user, data, ip=client_ip(request))
            # A resent form finds its task saved (and published) already.
            if values["publish"] == "1" and not task.monthly_list_id and task.status == TaskStatus.DRAFT:
                services.transition_task(request.user, task.pk, "publish", ip=client_ip(request))
    except ValidationFailed as exc:
        # A busy database names no field: its message is the form's own (errors.action).
        errors = (exc.fields or {"action": exc.message}) | _typed_errors(values)
        if "idempotency_key" in errors:  # said; sending the form again makes a new task
            values["idempotency_key"] = uuid.uuid4().hex
        values["files_sent"] = bool(request.FILES.getlist("files"))  # the browser drops them: say so
        context = _editor_context(request, values, errors)
        return render(request, "tasks/editor.html", context, status=exc.status)
    return redirect("task", task_id=task.pk)


def _task_input(values: dict[str, Any]) -> services.TaskInput:
    """The editor's fields as typed (create and edit share them); numbers that are not
    numbers become 0 or nothing, and the service names the field."""
    return services.TaskInput(
        title=values["title"],
        description=values["description"],
        category=values["category"],
        difficulty=values["difficulty"],
        places=whole(values["places"]) or 0,
        deadline=_parse_deadline(values["deadline"]),
        area=values["area"],
        audience=values["audience"] or Audience.PUBLIC,
        target_units=[n for n in (whole(v, low=1, high=ID_MAX) for v in values["target_units"]) if n],
        target_teams=[n for n in (whole(v, low=1, high=ID_MAX) for v in values["target_teams"]) if n],
        target_talents=[n for n in (whole(v, low=1, high=ID_MAX) for v in values["target_talents"]) if n],
        monthly_list=whole(values["monthly_list"], low=1, high=ID_MAX),
    )


def _task_values(task: Any) -> dict[str, Any]:
    return {
        "title": task.title,
        "description": task.description,
        "category": task.category,
        "difficulty": task.difficulty,
        "places": str(task.places),
        "deadline": timezone.localtime(task.deadline).strftime("%Y-%m-%dT%H:%M"),
        "area": task.area.code,
        "audience": task.audience,
        "monthly_list": str(task.monthly_list_id or ""),
        "target_units": [str(pk) for pk in task.target_units.values_list("pk", flat=True)],
        "target_teams": [str(pk) for pk in task.target_teams.values_list("pk", flat=True)],
        "target_talents": [str(pk) for pk in task.target_talents.values_list("pk", flat=True)],
    }


@login_required
def edit(request: HttpRequest, task_id: int) -> HttpResponse:
    """Edit a draft task (staff)."""
    task = selectors.get_task(request.user, task_id)
    if not can(request.user, Permission.TASK_MANAGE, task.area_path):
        raise Forbidden("只有社区工作人员可以修改任务")
    message = _not_editable(task)
    if message and request.method != "POST":
        # Said on opening the editor, not after the changes are typed in and refused.
        return detail(request, task.pk, error=ValidationFailed({"action": message}, message))
    shown = shown_to(request.user, task.created_by_id, task.description)
    if request.method != "POST":
        opened = _task_values(task) | {"seen": selectors.edit_version(task)}
        if shown != task.description:
            # A colleague's numbers are not echoed into the form (the task's page masks
            # them); left empty, the description is kept, as in the resource list.
            opened |= {"description": "", "description_kept": "1", "description_shown": shown}
        return render(request, "tasks/editor.html", _edit_context(request, task, opened, {}))
    values: dict[str, Any] = {
        k: request.POST.get(k, "").strip()
        for k in (
            "title",
            "description",
            "category",
            "difficulty",
            "places",
            "deadline",
            "area",
            "audience",
            "monthly_list",
        )
    }
    values["target_units"] = request.POST.getlist("target_units")
    values["target_teams"] = request.POST.getlist("target_teams")
    values["target_talents"] = request.POST.getlist("target_talents")
    values["seen"] = request.POST.get("seen", "")
    if request.POST.get("description_kept"):
        values |= {"description_kept": "1", "description_shown": shown}
    # 不加入 chosen for a task in a list: taken out of it (a form without the menu keeps it).
    leaving = bool(task.monthly_list_id) and "monthly_list" in request.POST and not values["monthly_list"]
    if message:
        # Published (or sent to the street) while the editor was open: what was typed comes
        # back with the reason, to be copied, instead of the task page without it.
        said = f"“加入月度清单”不能改为不加入：{message}" if leaving else message
        context = _edit_context(request, task, values, {"action": said + "；您填写的内容未保存，仍在下面"})
        return render(request, "tasks/editor.html", context, status=409)
    try:
        kept = values.get("description_kept") and not values["description"]
        data = _task_input(values | {"description": task.description} if kept else values)
        if data.deadline is not None and data.deadline == task.deadline.replace(second=0, microsecond=0):
            # The form holds minutes: a deadline set to the second (the API) is kept as it
            # is when left as shown, not moved to its minute without a word.
            data.deadline = task.deadline
        if leaving:
            data.monthly_list = services.LEAVE_LIST
        with busy_as_unavailable():
            services.update_task(request.user, task.pk, data, seen=values["seen"], ip=client_ip(request))
    except Conflict as exc:
        # Saved by a colleague since the editor was opened: what was typed comes back, and
        # the form now carries the newer version, so saving again is a choice made knowingly.
        values["seen"] = selectors.edit_version(selectors.get_task(request.user, task.pk))
        why = exc.message + "。下面仍是您填写的内容：请先查看对方保存的内容，再决定是否以您的为准再次保存"
        context = _edit_context(request, task, values, {"action": why}) | {"overwrites": True}
        return render(request, "tasks/editor.html", context, status=409)
    except ValidationFailed as exc:
        errors = (exc.fields or {"action": exc.message}) | _typed_errors(values)
        context = _edit_context(request, task, values, errors)
        return render(request, "tasks/editor.html", context, status=exc.status)
    return redirect("task", task_id=task.pk)


def _edit_context(
    request: HttpRequest, task: Task, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """The editor of ``task``. Its own list is always among the choices (the menu lists a
    few draft lists): else the menu would open on 不加入, and saving would take the task
    out of its list unasked."""
    context = _editor_context(request, values, errors) | {"task": task}
    lists = list(context["lists"])
    if task.monthly_list_id and all(m.pk != task.monthly_list_id for m in lists):
        lists += selectors.monthly_lists(request.user).filter(pk=task.monthly_list_id)
    return context | {"lists": lists}


def _not_editable(task: Task) -> str:
    return services.edit_refusal(task)[1]


@login_required
def detail(
    request: HttpRequest, task_id: int, error: DomainError | None = None, values: dict[str, str] | None = None
) -> HttpResponse:
    task = selectors.get_task(request.user, task_id)
    mark_page_read(request)
    may_claim, unit = selectors.claim_unit(request.user, task)
    own = task.claims.filter(user__pk=request.user.pk or 0).exclude(status="withdrawn").first()
    may_claim = may_claim and task.status == TaskStatus.PUBLISHED and own is None
    closed = selectors.claim_closed_reason(task, request.user, unit) if may_claim else ""
    refused = selectors.public_claim_refusal(request.user, task) if own is None else ""
    actions = selectors.task_actions(request.user, task)
    values = values or {}
    manages = can(request.user, Permission.TASK_MANAGE, task.area_path)
    attach_refused = services.attach_refusal(task) if manages else ("", "")
    # The step whose form comes back open after a refusal, with the reason typed: the one
    # asked for, or (a step no longer offered, e.g. 取消 on a task published meanwhile)
    # the first that takes a reason.
    steps = [c for c, _ in actions if c != "publish"]
    open_step = values.get("action", "") if values.get("action") in steps else ""
    if not open_step and values.get("note") and steps:
        open_step = steps[0]
    return render(
        request,
        "tasks/detail.html",
        {
            "task": task,
            "description": shown_to(request.user, task.created_by_id, task.description),
            "claims": selectors.task_claims(request.user, task),
            "own": own,
            "own_reversed": selectors.award_reversal(own) if own else None,  # 冲正
            "may_claim": may_claim and not closed,
            "claim_closed": closed,
            "claim_refused": refused,
            "target_teams": list(task.target_teams.all()) if task.audience == Audience.TARGETED else [],
            "target_talents": selectors.talent_labels(request.user, task)
            if task.audience == Audience.TARGETED
            else [],
            "unit": unit,
            # A colleague's live claim for the unit: the viewer may finish it in their stead.
            "unit_claim": selectors.unit_held_claim(request.user, task, unit) if own is None else None,
            "actions": actions,
            "open_step": open_step,
            # 接单情况 for staff (the grid worker of a community's task reads its claims
            # kept in their grid, which they accept), never for a resident.
            "claims_view": selectors.has_task_view(request.user),
            # 来源问题: a link only for who may open the problem (the street makes a task of
            # one community's problem in another, whose staff run the task).
            "problem_link": selectors.shown_problem(request.user, task) is not None,
            # Targets nobody can claim for (no member, no login), said to staff while it runs.
            "unreachable": selectors.unreachable_targets(task)
            if task.status in (TaskStatus.DRAFT, TaskStatus.SCHEDULED, TaskStatus.PUBLISHED)
            and can(request.user, Permission.TASK_VIEW, task.area_path)
            else [],
            "editable": not _not_editable(task) and manages,
            "may_attach": manages and not attach_refused[1],
            # Why not, while the street holds its list (a finished task needs no word).
            "attach_held": attach_refused[1] if attach_refused[0] == "monthly_list" else "",
            "video_mb": settings.TASK_VIDEO_MAX_BYTES // (1024 * 1024),
            **selectors.claim_load(request.user),
            # What 结束任务 would withdraw, said before it is pressed.
            "unproved": task.claims.filter(status__in=(ClaimStatus.CLAIMED, ClaimStatus.RETURNED)).count(),
            "cap": settings.TASK_OPEN_CLAIM_CAP,
            "error": error,
            "values": values,  # the action chosen and the note typed, after a refusal
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def attachments_add(request: HttpRequest, task_id: int) -> HttpResponse:
    """More photos or a short video on a task already saved (staff), from its page."""
    files = request.FILES.getlist("files")
    try:
        services.add_attachments(request.user, task_id, files, ip=client_ip(request))
    except ValidationFailed as exc:
        # The browser drops chosen files on a refusal: the form says so when any were sent.
        return detail(request, task_id, error=exc, values={"attach": "1", "files_sent": "1" if files else ""})
    return redirect("task", task_id=task_id)


@login_required
@require_POST
def act(request: HttpRequest, task_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "claim":
            # A second tap of 接单 while the first went through lands on the claim it made.
            claim = services.claim_task(request.user, task_id, ip=client_ip(request))
            return redirect("task_claim", claim_id=claim.pk)
        services.transition_task(
            request.user, task_id, action, request.POST.get("note", ""), ip=client_ip(request)
        )
    except ValidationFailed as exc:
        return detail(
            request, task_id, error=exc, values={"action": action, "note": request.POST.get("note", "")}
        )
    return redirect("task", task_id=task_id)


@login_required
def claim_detail(
    request: HttpRequest, claim_id: int, error: DomainError | None = None, values: Any = None
) -> HttpResponse:
    claim = selectors.get_claim(request.user, claim_id)
    mark_page_read(request)
    events = selectors.claim_timeline(request.user, claim)
    return render(
        request,
        "tasks/claim.html",
        {
            "claim": claim,
            "return_reason": shown_to(request.user, claim.decided_by_id, claim.return_reason),
            "task": claim.task,
            "events": events,
            "version": max((e.pk for e in events), default=0),  # the newest step shown
            "actions": selectors.claim_actions(request.user, claim),
            "return_ends": selectors.return_ends_claim(claim),
            "reversed": selectors.award_reversal(claim),
            "error": error,
            "values": values or {},
            "video_mb": settings.TASK_VIDEO_MAX_BYTES // (1024 * 1024),
            # Opened from 待验收 (its page number): accepting or returning goes back there.
            "queue": whole(request.GET.get("queue") or request.POST.get("queue", ""), low=1, high=10_000),
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def claim_act(request: HttpRequest, claim_id: int) -> HttpResponse:
    values: dict[str, Any] = {
        "action": request.POST.get("action", ""),
        "note": request.POST.get("note", ""),
        "files_sent": bool(request.FILES.getlist("files")),  # the browser drops them: say so
    }
    try:
        with busy_as_unavailable():  # the note comes back with the busy message
            services.transition_claim(
                request.user,
                claim_id,
                services.ClaimActionInput(
                    action=values["action"],
                    note=values["note"],
                    files=request.FILES.getlist("files"),
                    seen=whole(request.POST.get("seen", "")),
                ),
                ip=client_ip(request),
            )
    except (ValidationFailed, Conflict) as exc:
        return claim_detail(request, claim_id, error=exc, values=values)
    queue = whole(request.POST.get("queue", ""), low=1, high=10_000)
    if queue and values["action"] in ("accept", "return"):
        # A verifier working down 待验收 goes back to the list, told what was just done.
        return redirect(f"{reverse('tasks_queue')}?page={queue}&done={claim_id}")
    return redirect("task_claim", claim_id=claim_id)


def _serve(relative: str, content_type: str) -> FileResponse:
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.is_file():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - FileResponse closes it
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def unit_unmask(request: HttpRequest, unit_id: int) -> HttpResponse:
    """查看完整电话 of a partner unit's contact, with a reason (htmx)."""
    reason = request.POST.get("reason", "")
    try:
        value = services.unit_contact_phone(request.user, unit_id, reason, ip=client_ip(request))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render(
            request,
            "tasks/partials/unit_unmask_form.html",
            {"unit_id": unit_id, "reason": reason, "error": exc},
            status=exc.status,
        )
    return render(request, "people/partials/unmasked.html", {"field": "contact_phone", "value": value})


@login_required
def unit_offer(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's member says what the unit offers the community (its resource-list line);
    a refused form comes back with what was typed."""
    unit = selectors.own_unit(request.user, unit_id)
    typed = mask_free_text(unit.services)  # as every reader sees it; echoed numbers are kept
    error: DomainError | None = None
    if request.method == "POST":
        typed = request.POST.get("services", "")
        try:
            services.offer_unit_services(request.user, unit_id, typed, ip=client_ip(request))
        except ValidationFailed as exc:
            error = exc
        else:
            return redirect(f"{reverse('tasks')}#unit-{unit_id}")
    return render(
        request,
        "tasks/unit_offer.html",
        {"unit": unit, "typed": typed, "error": error},
        status=error.status if error else 200,
    )


@login_required
def team_members(request: HttpRequest, team_id: int) -> HttpResponse:
    """A service team's members, a page at a time (the 服务队 tab lists the first few), each
    with 移除 for whoever manages the team."""
    staff_only(request.user, Permission.RESOURCE_VIEW, "只有工作人员可以查看资源清单")
    team = selectors.team_with_members(request.user, team_id)
    managed = can(request.user, Permission.RESOURCE_MANAGE, team.area_path)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:  # the service's NotFound when the team is not the viewer's to manage
            services.remove_team_member(
                request.user,
                team.pk,
                whole(request.POST.get("resident", ""), high=ID_MAX) or 0,
                ip=client_ip(request),
            )
            kept = {"page": request.GET["page"]} if request.GET.get("page") else {}
            return redirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)
        except ValidationFailed as exc:
            errors = exc.fields
    page = CappedPaginator(selectors.team_members(team), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/team_members.html",
        {"team": team, "page": page, "managed": managed, "errors": errors},
        status=400 if errors else 200,
    )


@login_or_token_required
def proof_file(request: HttpRequest, proof_id: int) -> FileResponse:
    proof = ProofFile.objects.filter(pk=proof_id).select_related("claim").first()
    if proof is None:
        raise Http404
    selectors.get_claim(request.user, proof.claim_id)  # the same 404 when not visible
    return _serve(proof.file, proof.content_type)


@login_or_token_required
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = TaskAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    selectors.get_task(request.user, attachment.task_id)  # the same 404 when not visible
    return _serve(attachment.file, attachment.content_type)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    staff_only(request.user, Permission.TASK_ACCEPT, "只有网格员和社区工作人员可以验收任务")
    page = CappedPaginator(selectors.acceptance_queue(request.user), 30).get_page(request.GET.get("page"))
    done = None  # the claim just accepted or returned from this list, named above it
    done_id = whole(request.GET.get("done", ""), low=1, high=ID_MAX)
    if done_id:
        try:
            done = selectors.get_claim(request.user, done_id)
        except NotFound:
            done = None
    return render(request, "tasks/queue.html", {"page": page, "done": done})


@login_required
def monthly(request: HttpRequest) -> HttpResponse:
    staff_only(request.user, Permission.TASK_VIEW, "只有工作人员可以查看月度任务清单")
    mark_page_read(request)  # the lists' notices (sent for approval, approved, returned)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("area", "month", "publish_on")}
        day = day_typed(values["publish_on"])  # 2026/12/5 from a text box: the picker's text
        publish_on = day.isoformat() if day else values["publish_on"]
        try:
            services.create_monthly_list(request.user, values["area"], values["month"], publish_on)
            return redirect("tasks_monthly")
        except ValidationFailed as exc:
            errors = exc.fields
    return _monthly_page(request, errors, values)


def _monthly_page(
    request: HttpRequest,
    errors: dict[str, str],
    values: dict[str, str],
    row: int = 0,
    row_errors: dict[str, str] | None = None,
) -> HttpResponse:
    """The month's lists; ``row`` is the list whose action failed, shown with its
    message and the action and note as typed."""
    status = request.GET.get("status", "")
    status_errors = unknown_choices([("status", "清单状态", status, ListStatus.values)])
    if status_errors:
        status = ""
    lists = selectors.monthly_lists(request.user, status)
    page = CappedPaginator(lists, 20).get_page(request.GET.get("page"))
    communities = (
        Area.objects.visible_to(request.user, Permission.TASK_MANAGE)
        .filter(kind="community")
        .defer("geometry")
        .order_by("path")[:200]
    )
    rows = [(m, selectors.list_actions(request.user, m)) for m in page]
    history = selectors.list_history(request.user, [m for m, _ in rows])
    for m, actions in rows:
        m.history = history[m.pk]
        m.return_reason = selectors.return_reason_shown(request.user, m)
        m.day_movable = m.status == ListStatus.DRAFT and any(a == "submit" for a, _ in actions)
        m.month_over = selectors.month_over(m) if m.status == ListStatus.DRAFT else ""
        # 报审 of a list with no task is refused ("清单里还没有任务"): said before the tap.
        m.empty = m.status == ListStatus.DRAFT and not m.task_count
    return render(
        request,
        "tasks/monthly.html",
        {
            "page": page,
            "rows": rows,
            "errors": errors,
            "values": values,
            "row": row,
            "row_errors": row_errors or {},
            "communities": communities,
            "approver": has_anywhere(request.user, Permission.TASK_APPROVE),
            "status": status,
            "statuses": ListStatus.choices,
            "status_errors": status_errors,
        },
        status=400 if errors or row_errors or status_errors else 200,
    )


@login_required
@require_POST
def monthly_act(request: HttpRequest, list_id: int) -> HttpResponse:
    typed = {k: request.POST.get(k, "").strip() for k in ("action", "note", "publish_on", "seen")}
    try:
        if typed["action"] == "publish_on":  # a draft's publish day moved
            day = day_typed(typed["publish_on"])
            if day is None:
                said = typed["publish_on"][:20]
                raise ValidationFailed(
                    {"publish_on": f"发布日期“{said}”不是有效的日期" if said else "请填写新的发布日期"}
                )
            services.set_publish_day(request.user, list_id, day, ip=client_ip(request))
        else:
            seen = whole(typed["seen"], high=ID_MAX)  # "²" is a digit to isdigit(), not to int()
            services.transition_list(
                request.user, list_id, typed["action"], typed["note"], ip=client_ip(request), seen=seen
            )
    except (ValidationFailed, Conflict) as exc:
        return _monthly_page(request, {}, typed, row=list_id, row_errors=exc.fields)
    # Back to the page and filter the step was taken from, not to the first page of all lists.
    status, page = request.GET.get("status", ""), request.GET.get("page", "")
    kept = {"status": status} if status in ListStatus.values else {}
    if page.isascii() and page.isdigit() and page != "1":
        kept["page"] = page
    return redirect(f"{reverse('tasks_monthly')}?{urlencode(kept)}" if kept else reverse("tasks_monthly"))


def _kept_or_typed(values: dict[str, str], name: str) -> str | None:
    """A row's free text as typed; None (left as it is) when the form held it back because
    it shows a phone number masked and the field was left empty."""
    typed = values.get(name, "")
    return None if values.get(f"{name}_kept") and not typed else typed


@login_required
def resources(request: HttpRequest) -> HttpResponse:
    """资源清单: partner units, service teams, the skills registry, venues and equipment."""
    staff_only(request.user, Permission.RESOURCE_VIEW, "只有工作人员可以查看资源清单")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        staff_only(request.user, Permission.RESOURCE_MANAGE, "您无权登记资源")
        kind = request.POST.get("form", "")
        values = {k: str(request.POST.get(k, "")).strip() for k in request.POST if k != "csrfmiddlewaretoken"}
        typed: dict[str, str] = {}
        try:
            if kind == "unit":
                services.add_unit(
                    request.user,
                    services.UnitInput(
                        name=values.get("name", ""),
                        kind=values.get("kind", ""),
                        area=values.get("area", ""),
                        contact_name=values.get("contact_name", ""),
                        contact_phone=values.get("contact_phone", ""),
                        services=values.get("services", ""),
                    ),
                )
            elif kind == "team":
                services.add_team(
                    request.user,
                    values.get("name", ""),
                    values.get("kind", ""),
                    values.get("area", ""),
                    values.get("leader", ""),
                )
            elif kind == "venue":
                capacity = values.get("capacity", "1")
                if whole(capacity, low=1) is None:  # named as typed, with the service's range
                    typed["capacity"] = number_error(capacity, "容量/数量", low=1)
                services.add_venue(
                    request.user,
                    values.get("name", ""),
                    values.get("kind", ""),
                    values.get("area", ""),
                    values.get("description", ""),
                    whole(capacity, low=1) or 0,
                )
            elif kind == "talent":
                services.add_talent(
                    request.user,
                    people_selectors.resident_by_id_number(request.user, values.get("id_number", "")),
                    values.get("kind", ""),
                    values.get("trade", ""),
                    values.get("skill", ""),
                    values.get("field", ""),
                )
            elif kind == "unit_member":
                unit = values.get("unit", "")
                services.add_unit_member_by_username(
                    request.user,
                    whole(unit, high=ID_MAX) or 0,
                    values.get("username", ""),
                    ip=client_ip(request),
                )
                kind = "unit"
            elif kind == "unit_member_remove":
                services.remove_unit_member(
                    request.user,
                    whole(values.get("unit", ""), high=ID_MAX) or 0,
                    whole(values.get("user", ""), high=ID_MAX) or 0,
                    ip=client_ip(request),
                )
                kind = "unit"
            elif kind == "member_remove":
                services.remove_team_member(
                    request.user,
                    whole(values.get("team", ""), high=ID_MAX) or 0,
                    whole(values.get("resident", ""), high=ID_MAX) or 0,
                    ip=client_ip(request),
                )
                kind = "team"
            elif kind == "member":
                team = values.get("team", "")
                services.add_team_member(
                    request.user,
                    whole(team, high=ID_MAX) or 0,
                    people_selectors.resident_by_id_number(request.user, values.get("id_number", "")),
                    ip=client_ip(request),
                )
                kind = "team"
            elif kind == "unit_edit":
                services.update_unit(
                    request.user,
                    whole(values.get("unit", ""), high=ID_MAX) or 0,
                    contact_name=_kept_or_typed(values, "contact_name"),
                    contact_phone=values.get("contact_phone", ""),
                    services_text=_kept_or_typed(values, "services"),
                    ip=client_ip(request),
                )
                kind = "unit"
            elif kind == "team_edit":
                leader = _kept_or_typed(values, "leader")
                if leader is not None:
                    services.update_team(
                        request.user,
                        whole(values.get("team", ""), high=ID_MAX) or 0,
                        leader=leader,
                        ip=client_ip(request),
                    )
                kind = "team"
            elif kind == "venue_edit":
                capacity = values.get("capacity", "")
                if whole(capacity, low=1) is None:
                    raise ValidationFailed({"capacity": number_error(capacity, "容量/数量", low=1)})
                services.update_venue(
                    request.user,
                    whole(values.get("venue", ""), high=ID_MAX) or 0,
                    description=_kept_or_typed(values, "description"),
                    capacity=whole(capacity, low=1),
                    ip=client_ip(request),
                )
                kind = "venue"
            elif kind == "talent_remove":
                services.remove_talent(
                    request.user, whole(values.get("talent", ""), high=ID_MAX) or 0, ip=client_ip(request)
                )
                kind = "talent"
            else:
                raise ValidationFailed({"form": "未知的登记类型"})
            # Back to the list where the form was (its page and search), not to page 1.
            kept = {k: request.GET[k] for k in ("q", "page") if request.GET.get(k)}
            return redirect(f"{request.path}?{urlencode({'tab': kind, **kept})}")
        except ValidationFailed as exc:
            errors = exc.fields | typed
        except RateLimited as exc:  # the hour's lookups by ID number spent: typed kept
            errors = {"id_number": exc.message}
        except NotFound as exc:
            # The unit or team went out of reach (deleted, or out of scope): say so on the
            # form, keeping what was typed, instead of a bare 404 page.
            gone = {"venue_edit": "venue", "talent_remove": "talent"}.get(values.get("form", ""))
            errors = {gone or ("unit" if values.get("form", "").startswith("unit") else "team"): exc.message}
    form = values.get("form", "")
    tab = request.GET.get("tab") or {
        "member": "team",
        "member_remove": "team",
        "unit_member": "unit",
        "unit_member_remove": "unit",
        "unit_edit": "unit",
        "team_edit": "team",
        "venue_edit": "venue",
        "talent_remove": "talent",
    }.get(form, form or "unit")
    # The tab's list, a page at a time (a street's skills registry runs to thousands).
    lists = {
        "unit": selectors.units,
        "team": selectors.teams,
        "talent": selectors.talents,
        "venue": selectors.venues,
    }
    if tab not in lists:
        # A tab of an old or mistyped link (?tab=teams): the first tab, not its rows
        # counted under another tab's empty table.
        tab = "unit"
    q = request.GET.get("q", "").strip()[:50]
    page = CappedPaginator(lists[tab](request.user, q), 50).get_page(request.GET.get("page"))
    units = list(page) if tab == "unit" else []
    if tab in ("unit", "team", "venue"):
        # Units, teams and venues of the areas above are listed read only: no edit or
        # member forms, and their members (people outside the viewer's scope) not named.
        for row in page:
            row.managed = can(request.user, Permission.RESOURCE_MANAGE, row.area_path)
            row.above = selectors.registered_above(request.user, row)
    # A row's 修改 form that was refused comes back open, with what was typed.
    edited = {"unit_edit": "unit", "team_edit": "team", "venue_edit": "venue"}.get(form)
    if errors and edited:
        for row in page:
            if str(row.pk) == values.get(edited):
                row.typed, row.typed_errors = values, errors
    return render(
        request,
        "tasks/resources.html",
        {
            "tab": tab,
            "tabs": [
                ("unit", "共建单位"),
                ("team", "服务队"),
                ("talent", "能人才人艺人"),
                ("venue", "场地设备"),
            ],
            "page": page,
            "units": units,
            "managed_units": [u for u in units if u.managed],
            # The units whose full contact phone this viewer may read (with a reason).
            "unmaskable": {
                u.pk
                for u in units
                if u.contact_phone_enc and can(request.user, Permission.UNMASK_PHONE, u.area_path)
            },
            "teams": page if tab == "team" else [],
            "talents": page if tab == "talent" else [],
            "venues": page if tab == "venue" else [],
            "areas": Area.objects.visible_to(request.user, Permission.RESOURCE_MANAGE)
            .filter(kind__in=["street", "community", "grid"])
            .defer("geometry")
            .order_by("path")[:300],
            "unit_kinds": UnitKind.choices,
            "team_kinds": TeamKind.choices,
            "talent_kinds": TalentKind.choices,
            "venue_kinds": VenueKind.choices,
            "manager": has_anywhere(request.user, Permission.RESOURCE_MANAGE),
            "errors": errors,
            "q": q,
            "q_error": selectors.resource_query_error(q),
            # What was typed, and the errors, for the form that was sent only.
            "filled": {form: values} if errors else {},
            "errs": {form: errors},
        },
        status=400 if errors else 200,
    )
