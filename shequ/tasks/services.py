"""Every write to the task list and the resource list: create and publish tasks (also
from a problem, 转为任务), the monthly list and its approval, claims, proof, acceptance
with its award, and the resources tasks can be aimed at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from shequ.access import audit
from shequ.access.holders import holders
from shequ.access.masking import kept_if_echoed, mask_free_text, mask_phone
from shequ.access.models import User
from shequ.access.roles import Permission
from shequ.access.scope import assignments, can
from shequ.areas.models import Area
from shequ.areas.paths import under_any
from shequ.core import fieldcrypt
from shequ.core.errors import Conflict, NotFound, ValidationFailed
from shequ.core.idempotency import checked_key, reused
from shequ.core.numbers import ID_MAX, month_error, month_label, month_param
from shequ.core.texts import CLEAR_WORDS, one_line, too_long
from shequ.notifications.services import notify, notify_unheard
from shequ.points import services as points
from shequ.tasks import proofs
from shequ.tasks.lifecycle import CLAIM_TRANSITIONS, CLAIMANT, LIST_TRANSITIONS, TASK_TRANSITIONS
from shequ.tasks.models import (
    Audience,
    Award,
    Category,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Difficulty,
    ListStatus,
    MonthlyList,
    PartnerUnit,
    ProofFile,
    ServiceTeam,
    Talent,
    TalentKind,
    Task,
    TaskAttachment,
    TaskStatus,
    TeamKind,
    TeamMember,
    UnitKind,
    Venue,
    VenueKind,
)
from shequ.tasks.selectors import (
    acts_for_claim,
    claim_unit,
    community_of,
    done_before,
    edit_version,
    get_claim,
    get_monthly_list,
    get_task,
    live_claim,
    month_over,
    open_claim_count,
    public_claim_refusal,
    return_ends_claim,
    targetable,
    unit_claim_refusal,
)

TASK_LABELS = dict(TaskStatus.choices)
CLAIM_LABELS = dict(ClaimStatus.choices)
LIST_LABELS = dict(ListStatus.choices)


# ---------------------------------------------------------------- tasks


@dataclass
class TaskInput:
    title: str
    description: str
    category: str
    difficulty: str
    places: int
    deadline: datetime | None
    area: str  # an area code
    audience: str = Audience.PUBLIC
    target_units: list[int] = field(default_factory=list)
    target_teams: list[int] = field(default_factory=list)
    target_talents: list[int] = field(default_factory=list)  # skills registry (能人、才人、艺人)
    problem: int | None = None  # 转为任务
    monthly_list: int | None = None
    idempotency_key: str = ""
    files: list[Any] = field(default_factory=list)  # attachments: photos or a short video


@dataclass
class _Checked:
    title: str
    description: str
    area: Any
    units: list[Any]
    teams: list[Any]
    problem: Any
    monthly: Any
    talents: list[Any] = field(default_factory=list)


DEADLINE_MAX_DAYS = 366  # a task is done within a year of being set
# A deadline given as a day alone (截止12月2日) is the end of that day, local time: read as
# its first minute, the task left the board the night before, and one due today was refused.
DAY_ENDS_AT = time(23, 59, 59)


def deadline_typed(raw: str) -> datetime | None:
    """A deadline as typed or sent ("2026-12-02T18:00", or a day alone, "2026-12-02"),
    aware, local time where no offset is given; None when it is not a date and time."""
    text = raw.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        value = datetime.combine(day, DAY_ENDS_AT)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


# As a problem's description: every resident reads it on the board, whose page an
# unbounded one (800,000 characters) made megabytes long.
DESCRIPTION_MAX = 2000


def _check_task(
    actor: Any, data: TaskInput, errors: dict[str, str], kept_list: int | None = None
) -> _Checked:
    """Validate a task's fields; fills ``errors`` field by field. ``kept_list``: the
    monthly list an edited task is in already (kept, even once its month is over)."""
    now = timezone.now()
    title = one_line(data.title)
    if len(title) < 2:
        errors["title"] = "请填写任务标题（至少2个字）"
    elif len(title) > 100:
        errors["title"] = "标题不能超过100字"
    elif mask_free_text(title) != title:
        # The title is the task's public headline (board, page title, notices): a number
        # in it would reach every resident in full. The description masks it for them.
        errors["title"] = "标题会公开显示，请不要写电话或身份证号；联系方式请写在任务说明里（对居民隐去号码）"
    description = (data.description or "").strip()
    if len(description) < 4:
        errors["description"] = "请说明任务内容（至少4个字）"
    too_long(errors, [("description", "任务说明", description, DESCRIPTION_MAX)])
    if data.category not in Category.values:
        errors["category"] = "请选择任务类别"
    if data.difficulty not in Difficulty.values:
        errors["difficulty"] = "请选择难度"
    if not isinstance(data.places, int) or not 1 <= data.places <= 500:
        errors["places"] = "名额必须在 1 到 500 之间"
    if data.deadline is None:
        errors["deadline"] = "请填写截止时间"
    elif data.deadline <= now:
        errors["deadline"] = "截止时间必须晚于现在"
    elif data.deadline > now + timedelta(days=DEADLINE_MAX_DAYS):
        errors["deadline"] = f"截止时间不能晚于 {DEADLINE_MAX_DAYS} 天以后"
    area = Area.objects.filter(code=data.area).first()
    if area is None or len(area.path.strip("/").split("/")) < 2:
        errors["area"] = "请选择任务所在的社区、网格或小区"
    elif not can(actor, Permission.TASK_MANAGE, area.path):
        errors["area"] = "只能在您管辖的社区发布任务"
    if data.audience not in Audience.values:
        errors["audience"] = "请选择任务对象"
    # Also a department registered on the street or district above (selectors.targetable).
    units = list(targetable(PartnerUnit, actor).filter(pk__in=data.target_units or []))
    teams = list(targetable(ServiceTeam, actor).filter(pk__in=data.target_teams or []))
    # A skilled resident is a person: only those registered in the actor's own scope.
    talents = list(Talent.objects.visible_to(actor).filter(pk__in=data.target_talents or []))
    if len(units) != len(set(data.target_units or [])) or len(teams) != len(set(data.target_teams or [])):
        errors["targets"] = "定向对象须是您管辖范围内的共建单位或服务队"
    elif len(talents) != len(set(data.target_talents or [])):
        errors["targets"] = "定向的能人、才人、艺人须是您管辖范围内登记的居民"
    elif data.audience == Audience.TARGETED and not (units or teams or talents):
        errors["targets"] = "定向任务请至少选择一个单位、服务队或能人"
    problem = None
    if data.problem:
        from shequ.problems.selectors import get_problem

        try:
            problem = get_problem(actor, data.problem)
        except NotFound:
            errors["problem"] = "问题不存在或无权查看"
    monthly = None
    if data.monthly_list:
        monthly = (
            MonthlyList.objects.visible_to(actor, Permission.TASK_MANAGE).filter(pk=data.monthly_list).first()
        )
        if monthly is None:
            errors["monthly_list"] = "月度任务清单不存在或无权编辑"
        elif monthly.status != ListStatus.DRAFT:
            errors["monthly_list"] = "该月度清单已报审，不能再加入任务"
        elif monthly.pk != kept_list and (over := month_over(monthly)):
            # It can no longer be submitted: the task would wait in it for good.
            errors["monthly_list"] = f"{over}，不能再往该月的清单里加任务；请选本月的清单，或不加入"
        elif area is not None and not area.path.startswith(monthly.area_path):
            errors["monthly_list"] = "任务须在该清单的社区内"
        elif (
            data.deadline is not None
            and "deadline" not in errors
            and _ends_before_publication(data.deadline, monthly.publish_on)
        ):
            errors["deadline"] = _deadline_message(monthly.publish_on)
    return _Checked(title, description, area, units, teams, problem, monthly, talents)


def _ends_before_publication(deadline: datetime, publish_on: date) -> bool:
    """A listed task is published on its list's day, by a daily job whose hour is not
    known: a deadline on or before that day would leave it scheduled for ever."""
    return timezone.localtime(deadline).date() <= publish_on


def _deadline_message(publish_on: date) -> str:
    return f"截止时间必须晚于月度清单的发布日（{publish_on:%Y年%m月%d日}），否则任务发布前就已截止"


def create_task(actor: Any, data: TaskInput, *, ip: str = "") -> tuple[Task, bool]:
    """A draft task (or one in a monthly list). Returns (task, created)."""
    key = checked_key(data.idempotency_key)
    if key:
        existing = (
            Task.objects.filter(created_by_id=actor.pk, idempotency_key=key).select_related("area").first()
        )
        if existing is not None:
            return _same_task(existing, data), False
    errors: dict[str, str] = {}
    checked = _check_task(actor, data, errors)
    title, description, area, units, teams, problem, monthly = (
        checked.title,
        checked.description,
        checked.area,
        checked.units,
        checked.teams,
        checked.problem,
        checked.monthly,
    )
    now = timezone.now()
    prepared: list[proofs.Prepared] = []
    try:
        prepared = proofs.prepare(list(data.files), "files")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    assert area is not None and data.deadline is not None
    stored = proofs.store_all(prepared)
    try:
        with transaction.atomic():
            task = Task.objects.create(
                title=title,
                description=description,
                category=data.category,
                difficulty=data.difficulty,
                points=settings.TASK_POINTS[data.difficulty],
                places=data.places,
                deadline=data.deadline,
                audience=data.audience,
                monthly_list=monthly,
                problem=problem,
                area=area,
                area_path=area.path,
                community_path=community_of(area.path),
                created_by=actor,
                created_at=now,
                idempotency_key=key,
            )
            if data.audience == Audience.TARGETED:
                task.target_units.set(units)
                task.target_teams.set(teams)
                task.target_talents.set(checked.talents)
            if problem is not None:
                from shequ.problems.models import ProblemEvent

                ProblemEvent.objects.create(
                    problem=problem,
                    action="to_task",
                    from_status=problem.status,
                    to_status=problem.status,
                    actor=actor,
                    note=title,  # the step is named 转为任务 on the timeline already
                    data={"task": task.pk},
                    at=now,
                )
            _attach(task, stored)
            audit.record(actor, "task.create", area_path=area.path, obj=task, ip=ip)
    except IntegrityError:
        proofs.remove(stored)
        existing = (
            Task.objects.filter(created_by_id=actor.pk, idempotency_key=key).select_related("area").first()
            if key
            else None
        )
        if existing is None:
            raise
        return _same_task(existing, data), False
    except Exception:
        proofs.remove(stored)
        raise
    return task, True


def _same_task(task: Task, data: TaskInput) -> Task:
    """The task a key made, if this request is the same one again: every field it sets,
    as stored (the points follow the difficulty). A repeat asking for other places or
    another deadline answered with the first task dropped the change without a word.
    Attachments are not compared: a JSON client sends none, and a task takes more later."""
    sent = (
        one_line(data.title),
        (data.description or "").strip(),
        data.category,
        data.difficulty,
        data.places,
        data.deadline,
        data.area,
        data.audience,
        data.problem or None,
        data.monthly_list or None,
    )
    stored = (
        task.title,
        task.description,
        task.category,
        task.difficulty,
        task.places,
        task.deadline,
        task.area.code,
        task.audience,
        task.problem_id,
        task.monthly_list_id,
    )
    same = sent == stored
    if same and task.audience == Audience.TARGETED:  # targets are kept for targeted tasks only
        same = (
            set(data.target_units or []),
            set(data.target_teams or []),
            set(data.target_talents or []),
        ) == (
            set(task.target_units.values_list("pk", flat=True)),
            set(task.target_teams.values_list("pk", flat=True)),
            set(task.target_talents.values_list("pk", flat=True)),
        )
    if not same:
        raise reused(f"任务 #{task.pk}“{task.title}”")
    return task


def _attach(task: Task, stored: list[proofs.Stored]) -> None:
    TaskAttachment.objects.bulk_create(
        TaskAttachment(
            task=task, kind=s.kind, file=s.file, content_type=s.content_type, sha256=s.sha256, size=s.size
        )
        for s in stored
    )


def edit_refusal(task: Task) -> tuple[str, str]:
    """(field, why) a task cannot be edited now, or ("", ""): only drafts, and not while
    the street holds the monthly list it is in. The editor says it on opening."""
    if task.status != TaskStatus.DRAFT:
        return "action", f"任务当前为“{TASK_LABELS[task.status]}”，只有草稿可以修改"
    if task.monthly_list_id and not MonthlyList.objects.filter(tasks=task, status=ListStatus.DRAFT).exists():
        return "monthly_list", "该任务所在的月度任务清单已报审（已报街道审批），审批或退回之前不能修改任务"
    return "", ""


# ``TaskInput.monthly_list`` of an edit that takes the task out of its list (the editor's
# 不加入, ``0`` in ``PUT /tasks/{id}``); None keeps the list, as a client that leaves it out.
LEAVE_LIST = 0


def update_task(actor: Any, task_id: int, data: TaskInput, *, seen: str = "", ip: str = "") -> Task:
    """Edit a draft (also one in a monthly list still being assembled, never one whose list
    is under review or approved). Points follow the difficulty; the problem link and the
    attachments stay as they were; the list too, unless another draft list is chosen or
    ``LEAVE_LIST`` takes the task out of it (an ad-hoc draft again, said in the audit row).

    ``seen`` is the ``edit_version`` the editor was opened on; if the task was saved by
    someone since, nothing is written (Conflict) and the message names who and when."""
    task = get_task(actor, task_id)
    if not can(actor, Permission.TASK_MANAGE, task.area_path):
        raise ValidationFailed({"action": "您无权修改该任务"})
    was_in = task.monthly_list_id
    listed = was_in is not None
    leaving = listed and data.monthly_list == LEAVE_LIST
    field, refusal = edit_refusal(task)
    if refusal:
        if leaving:  # named on the field whose change is refused
            field, refusal = "monthly_list", f"“加入月度清单”不能改为不加入：{refusal}"
        raise ValidationFailed({field: refusal})
    if seen and seen != edit_version(task):
        raise Conflict(_saved_since(task))
    errors: dict[str, str] = {}
    data.description = kept_if_echoed(data.description, task.description, actor, task.created_by_id)
    data.problem = None  # the link made at 转为任务 is kept, not re-checked
    # A listed task stays in its list unless moved to another draft list or taken out.
    if listed and data.monthly_list is None:
        data.monthly_list = task.monthly_list_id
    checked = _check_task(actor, data, errors, kept_list=was_in)
    if errors:
        raise ValidationFailed(errors)
    assert data.deadline is not None
    with transaction.atomic():
        if seen:
            # Again under the write (the task's row locked on PostgreSQL; SQLite's write
            # transaction runs alone): two saves at the same moment both passed the check
            # above, and the second wrote over the first's without a word.
            current = Task.objects.select_for_update().get(pk=task.pk)
            if seen != edit_version(current):
                raise Conflict(_saved_since(current))
        rows = Task.objects.filter(pk=task.pk, status=TaskStatus.DRAFT)
        if listed:  # and its list was not submitted meanwhile
            rows = rows.filter(monthly_list__status=ListStatus.DRAFT)
        updated = rows.update(
            title=checked.title,
            description=checked.description,
            category=data.category,
            difficulty=data.difficulty,
            points=settings.TASK_POINTS[data.difficulty],
            places=data.places,
            deadline=data.deadline,
            audience=data.audience,
            monthly_list=checked.monthly,
            area=checked.area,
            area_path=checked.area.path,
            community_path=community_of(checked.area.path),
        )
        if updated != 1:
            raise ValidationFailed({"action": "任务状态刚刚被他人改变，请刷新后再试"})
        task.refresh_from_db()
        task.target_units.set(checked.units if data.audience == Audience.TARGETED else [])
        task.target_teams.set(checked.teams if data.audience == Audience.TARGETED else [])
        task.target_talents.set(checked.talents if data.audience == Audience.TARGETED else [])
        # Taken out of its list (or moved to another): the audit row names the lists.
        moved = task.monthly_list_id != was_in
        detail = {"monthly_list": {"from": was_in, "to": task.monthly_list_id}} if moved else None
        audit.record(actor, "task.update", area_path=task.area_path, obj=task, detail=detail, ip=ip)
    return task


def _saved_since(task: Task) -> str:
    from shequ.access.models import AuditEvent

    last = (
        AuditEvent.objects.filter(event="task.update", object_type="task", object_id=str(task.pk))
        .order_by("-id")
        .values_list("actor_id", "at")
        .first()
    )
    person = User.objects.filter(pk=last[0]).first() if last and last[0] is not None else None
    who = f"{person}于{timezone.localtime(last[1]):%m月%d日%H:%M}" if last and person else "其他工作人员"
    return f"您打开编辑页之后，{who}修改并保存了该任务，您这次的修改没有保存"


# A list the street holds: sent for approval, or approved and waiting for its day.
LISTS_UNDER_STREET = (ListStatus.SUBMITTED, ListStatus.APPROVED)


# A task takes more attachments until it is finished (closed or cancelled).
ATTACHABLE = (TaskStatus.DRAFT, TaskStatus.SCHEDULED, TaskStatus.PUBLISHED)


def attach_refusal(task: Task) -> tuple[str, str]:
    """(field, why) a task takes no attachment now, or ("", ""). As its text: not while
    the street holds its monthly list (under review, or approved and waiting for its
    day), since the street approves the list as sent; once published it takes more."""
    if task.status not in ATTACHABLE:
        return "files", f"任务当前为“{TASK_LABELS[task.status]}”，不能再添加附件"
    if not task.monthly_list_id:
        return "", ""
    held = MonthlyList.objects.filter(tasks=task, status__in=LISTS_UNDER_STREET).values_list(
        "status", flat=True
    )
    if ListStatus.SUBMITTED in held:
        return "monthly_list", "该任务所在的月度任务清单已报审（已报街道审批），审批或退回之前不能添加附件"
    if ListStatus.APPROVED in held:
        return "monthly_list", "该任务所在的月度任务清单已经街道审批、等待发布，发布之前不能添加附件"
    return "", ""


def add_attachments(actor: Any, task_id: int, files: list[Any], *, ip: str = "") -> Task:
    """More photos or a short video on a task that is not finished (staff)."""
    task = get_task(actor, task_id)
    if not can(actor, Permission.TASK_MANAGE, task.area_path):
        raise ValidationFailed({"files": "您无权为该任务添加附件"})
    field, refusal = attach_refusal(task)
    if refusal:
        raise ValidationFailed({field: refusal})
    prepared = proofs.prepare(list(files), "files")
    if not prepared:
        raise ValidationFailed({"files": "请选择要上传的照片或视频"})
    stored = proofs.store_all(prepared)
    try:
        with transaction.atomic():
            # Its list may have been sent to the street while the files were stored.
            field, refusal = attach_refusal(task)
            if refusal:
                raise ValidationFailed({field: refusal})
            _attach(task, stored)
            audit.record(actor, "task.attach", area_path=task.area_path, obj=task, ip=ip)
    except Exception:
        proofs.remove(stored)
        raise
    return task


def _may(actor: Any, path: str, permissions: tuple[str, ...], claimant: bool = False) -> bool:
    for perm in permissions:
        if perm == CLAIMANT:
            if claimant:
                return True
        elif can(actor, perm, path):
            return True
    return False


def _allowed(
    actor: Any,
    table: dict[str, Any],
    action: str,
    path: str,
    status: str,
    labels: dict[str, Any],
    noun: str,
    note: str,
) -> Any:
    """The transition rule for ``action`` if this actor may take it now, else a refusal
    that names the field (the same checks for tasks and monthly lists)."""
    rule = table.get(action)
    if rule is None:
        raise ValidationFailed({"action": f"未知的操作“{action}”"})
    if not _may(actor, path, rule.permissions):
        raise ValidationFailed({"action": f"您无权对该{noun}进行“{rule.label}”"})
    if status not in rule.sources:
        raise ValidationFailed({"action": f"{noun}当前为“{labels[status]}”，不能进行“{rule.label}”"})
    if rule.note_required and not note.strip():
        raise ValidationFailed({"note": f"“{rule.label}”需要填写说明"})
    return rule


def transition_task(actor: Any, task_id: int, action: str, note: str = "", *, ip: str = "") -> Task:
    task = get_task(actor, task_id)
    rule = _allowed(actor, TASK_TRANSITIONS, action, task.area_path, task.status, TASK_LABELS, "任务", note)
    if action == "publish" and task.monthly_list_id:
        # A listed task is published by its list, after the street approved it.
        raise ValidationFailed(
            {"monthly_list": "该任务属于月度任务清单，须随清单经街道审批后发布，不能单独发布"}
        )
    if action == "publish" and task.deadline <= timezone.now():
        raise ValidationFailed({"deadline": "截止时间已过，请先修改截止时间"})
    if (
        action == "publish"
        and task.audience == Audience.TARGETED
        and not (task.target_units.exists() or task.target_teams.exists() or task.target_talents.exists())
    ):
        # Its only target removed since it was saved (a skill registration deleted): it
        # would go out to nobody.
        gone = "定向任务已没有定向对象（原定的能人登记已删除），请先修改任务，选择单位、服务队或能人"
        raise ValidationFailed({"targets": gone})
    # As the page's box allows: a close's or cancel's reason goes to every claimant, in a
    # notice of its own; any step's note is kept in the audit log.
    _note_fits(note, {"close": "结束原因", "cancel": "取消原因"}.get(action, "说明"), 200)
    if action == "cancel":
        # The street approves the list it was sent, and that list is what is published:
        # not one emptied behind its back while it is reviewed or waits for its day.
        frozen = MonthlyList.objects.filter(tasks=task, status__in=LISTS_UNDER_STREET).values_list(
            "status", flat=True
        )
        if ListStatus.SUBMITTED in frozen:
            raise ValidationFailed(
                {"monthly_list": "该任务所在的月度任务清单正在街道审批，不能取消；如需取消请先请街道退回清单"}
            )
        if ListStatus.APPROVED in frozen:
            raise ValidationFailed(
                {
                    "monthly_list": "该任务所在的月度任务清单已经街道审批、等待发布，不能取消；"
                    "清单发布后可以结束该任务"
                }
            )
    with transaction.atomic():
        updates: dict[str, Any] = {"status": rule.target}
        if rule.target == TaskStatus.PUBLISHED:
            updates["published_at"] = timezone.now()
        if Task.objects.filter(pk=task.pk, status=task.status).update(**updates) != 1:
            raise ValidationFailed({"action": "任务状态刚刚被他人改变，请刷新后再试"})
        withdrawn = _end_unproved_claims(actor, task, note.strip()) if action == "close" else 0
        if action == "publish":
            _tell_targets([task.pk], skip=actor)
        audit.record(
            actor,
            f"task.{action}",
            area_path=task.area_path,
            obj=task,
            detail={"note": note, "claims_withdrawn": withdrawn} if withdrawn else {"note": note},
            ip=ip,
        )
    task.refresh_from_db()
    return task


# ---------------------------------------------------------------- the monthly list


def create_monthly_list(
    actor: Any, area_code: str, month: str, publish_on: date | str | None = None
) -> MonthlyList:
    """A community's list for ``month``; ``publish_on`` as typed on the form is read here,
    so that a bad date is said beside whatever else is wrong, not instead of it."""
    errors: dict[str, str] = {}
    area = Area.objects.filter(code=area_code, kind="community").first()
    if area is None or not can(actor, Permission.TASK_MANAGE, area.path):
        errors["area"] = "请选择您管辖的社区"
    # 2026-11 as well as 202611, as month_error's message offers; kept as YYYYMM.
    parsed = month_param(month)
    if parsed is None:
        errors["month"] = month_error(month)
    if isinstance(publish_on, str):
        typed, publish_on = publish_on.strip(), None
        try:
            publish_on = date.fromisoformat(typed) if typed else None
        except ValueError:
            errors["publish_on"] = f"发布日期“{typed[:20]}”不是日期，请按 2026-12-05 的格式填写"
    if errors:
        raise ValidationFailed(errors)
    assert area is not None and parsed is not None
    month = parsed
    today = timezone.localdate()
    year, number = int(month[:4]), int(month[4:])
    last_day = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
    if last_day < today:
        raise ValidationFailed({"month": f"{year}年{number}月已经过去，不能再编制该月的任务清单"})
    if publish_on is None:
        # The configured day of the month, or today for a month already under way.
        publish_on = max(date(year, number, settings.TASK_LIST_PUBLISH_DAY), today)
    _publish_day_fits(month, publish_on)
    try:
        with transaction.atomic():
            found = MonthlyList.objects.create(
                area=area, area_path=area.path, month=month, publish_on=publish_on, created_by=actor
            )
            audit.record(actor, "task.list_create", area_path=area.path, obj=found)
    except IntegrityError:
        raise ValidationFailed({"month": f"{area.name}{month} 的月度任务清单已经存在"}) from None
    return found


def _publish_day_fits(month: str, publish_on: date) -> None:
    """A list goes out from today up to the last day of its month, never in the past."""
    today = timezone.localdate()
    year, number = int(month[:4]), int(month[4:])
    last_day = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
    if publish_on < today:
        raise ValidationFailed({"publish_on": f"发布日期不能早于今天（{today:%Y年%m月%d日}）"})
    if publish_on > last_day:
        raise ValidationFailed(
            {"publish_on": f"发布日期不能晚于该清单月份的最后一天（{last_day:%Y年%m月%d日}）"}
        )


def set_publish_day(actor: Any, list_id: int, publish_on: date, *, ip: str = "") -> MonthlyList:
    """Move a draft list's publish day (a day mistyped, or the street's return asking for
    another): only while the community holds the list, and never past a listed task's
    deadline."""
    found = get_monthly_list(actor, list_id)
    if not can(actor, Permission.TASK_MANAGE, found.area_path):
        raise ValidationFailed({"publish_on": "您无权修改该清单"})
    if found.status != ListStatus.DRAFT:
        raise ValidationFailed(
            {"publish_on": f"清单当前为“{LIST_LABELS[found.status]}”，只有草稿（含被退回的）可以改发布日期"}
        )
    _publish_day_fits(found.month, publish_on)
    stuck = [
        t.title
        for t in found.tasks.exclude(status=TaskStatus.CANCELLED).order_by("deadline", "id")
        if _ends_before_publication(t.deadline, publish_on)
    ]
    if stuck:
        raise ValidationFailed({"publish_on": f"{_deadline_message(publish_on)}：{'、'.join(stuck[:5])}"})
    with transaction.atomic():
        if (
            MonthlyList.objects.filter(pk=found.pk, status=ListStatus.DRAFT).update(publish_on=publish_on)
            != 1
        ):
            raise ValidationFailed({"publish_on": "清单状态刚刚被他人改变，请刷新后再试"})
        audit.record(
            actor,
            "task.list_publish_on",
            area_path=found.area_path,
            obj=found,
            detail={"from": str(found.publish_on), "to": str(publish_on)},
            ip=ip,
        )
    found.refresh_from_db()
    return found


def _list_unchanged_since(actor: Any, found: MonthlyList, seen: int) -> None:
    from shequ.tasks.selectors import list_history

    steps = list_history(actor, [found])[found.pk]
    if len(steps) != seen:
        if not steps:  # a number no page gave
            raise Conflict("清单的审批记录与您打开的页面不符，请刷新后再操作")
        last = steps[-1]
        raise Conflict(
            f"您打开页面之后，这份清单已由{last['who']}于{timezone.localtime(last['at']):%m月%d日%H:%M}"
            f"{last['step']}，请查看最新内容后再操作"
        )


def _note_fits(note: str, label: str, limit: int) -> None:
    """A step's note is shown (on the list, the claim, its history) as it was typed: one
    too long for its column, or for a page to show, is named, never cut short."""
    errors: dict[str, str] = {}
    too_long(errors, [("note", label, note, limit)])
    if errors:
        raise ValidationFailed(errors)


# A claim's proof note, or a note sent with another of its steps (its timeline shows it).
CLAIM_NOTE_MAX = 1000


def transition_list(
    actor: Any, list_id: int, action: str, note: str = "", *, ip: str = "", seen: int | None = None
) -> MonthlyList:
    """``seen``: how many review steps the list had on the page the actor acted from. A
    list returned and submitted again since is not approved unseen."""
    found = get_monthly_list(actor, list_id)
    if seen is not None:
        _list_unchanged_since(actor, found, seen)
    rule = _allowed(actor, LIST_TRANSITIONS, action, found.area_path, found.status, LIST_LABELS, "清单", note)
    # Every step's note is kept in the list's history (the audit log).
    _note_fits(note, "退回原因" if action == "return" else "说明", 200)
    if action == "approve" and found.created_by_id == actor.pk:
        # As nobody accepts their own task's proof: the street checks what a community drew up.
        raise ValidationFailed({"action": "不能审批自己编制的月度任务清单，请由街道其他工作人员审批"})
    if action in ("submit", "approve") and (over := month_over(found)):
        # The routine tasks of its month: never sent out after the month has ended (a list
        # returned in October and approved in November went out as October's at once).
        then = "报审" if action == "submit" else "审批通过（请退回社区）"
        raise ValidationFailed(
            {"month": f"{over}，该月的任务清单不能再{then}；请把清单里的任务移到本月的清单，或改为临时任务"}
        )
    if action == "submit" and not found.tasks.filter(status=TaskStatus.DRAFT).exists():
        raise ValidationFailed({"tasks": "清单里还没有任务"})
    if action == "submit":
        stuck = [
            t.title
            for t in found.tasks.filter(status=TaskStatus.DRAFT).order_by("deadline", "id")
            if _ends_before_publication(t.deadline, found.publish_on)
        ]
        if stuck:
            raise ValidationFailed(
                {"deadline": f"{_deadline_message(found.publish_on)}：{'、'.join(stuck[:5])}"}
            )
    if action == "publish" and found.publish_on > timezone.localdate():
        raise ValidationFailed({"publish_on": f"清单定于 {found.publish_on:%Y年%m月%d日} 发布"})
    approvers = holders(Permission.TASK_APPROVE, found.area_path) if action == "submit" else []
    # Whoever drew the list up may not approve it (above), whoever submits it.
    if action == "submit" and not [u for u in approvers if u.pk != found.created_by_id]:
        # Sent, it would wait unseen, and a list under review cannot be edited or withdrawn.
        who = (
            "其他可以审批月度任务清单的账号（不能审批自己编制的清单）"
            if approvers
            else ("可以审批月度任务清单的账号（街道管理员）")
        )
        raise ValidationFailed(
            {
                "action": f"街道还没有{who}，报审后无人审批，清单也不能再修改；"
                "请先请系统管理员添加街道管理员账号，再报审"
            }
        )
    now = timezone.now()
    with transaction.atomic():
        updates: dict[str, Any] = {"status": rule.target}
        # Approved on or after its publish day: published now, not by the next night's
        # run of the publishing job.
        published_now = action == "approve" and found.publish_on <= timezone.localdate()
        expired: list[str] = []
        if action == "approve":
            updates |= {"approved_by": actor, "approved_at": now, "return_reason": ""}
            found.tasks.filter(status=TaskStatus.DRAFT).update(status=TaskStatus.SCHEDULED)
            if published_now:
                updates |= {"status": ListStatus.PUBLISHED, "published_at": now}
                expired = _publish_listed(found, now)
        elif action == "return":
            updates["return_reason"] = note.strip()
        elif action == "submit":  # answered: the reason stays in the history only
            updates["return_reason"] = ""
        elif action == "publish":
            updates["published_at"] = now
            expired = _publish_listed(found, now)
        if MonthlyList.objects.filter(pk=found.pk, status=found.status).update(**updates) != 1:
            # Moved since it was read (a double tap of 审批通过, two approvers at once): the
            # step that moved it is named, as for a page opened before it (-1: a count no
            # page shows, so the newest step is the one named).
            _list_unchanged_since(actor, found, -1)
            raise ValidationFailed({"action": "清单状态刚刚被他人改变，请刷新后再试"})
        if action == "submit":
            notify(approvers, _under_review_text(found), REVIEW_LINK, skip=actor)
        else:
            _tell_community(
                found, "publish" if published_now else action, note.strip(), skip=actor, expired=expired
            )
        detail: dict[str, Any] = {"note": note, "published": True} if published_now else {"note": note}
        if expired:
            detail["expired"] = expired
        audit.record(actor, f"task.list_{action}", area_path=found.area_path, obj=found, detail=detail, ip=ip)
    found.refresh_from_db()
    return found


LISTS_LINK = "/tasks/monthly/"
# The street's 待审批 notice opens the lists waiting for review: the whole list of every
# community and month, 20 a page, could hold the one to approve on another page.
REVIEW_LINK = "/tasks/monthly/?status=submitted"


def _under_review_text(found: MonthlyList) -> str:
    return f"{found.area.name}{month_label(found.month)}月度任务清单待审批"


def _publish_listed(found: MonthlyList, now: datetime) -> list[str]:
    """A published list's scheduled tasks open for claims; the units and teams that
    targeted ones are aimed at are told. A task whose deadline has passed by then (the
    list approved, or the job run, after it) could never be claimed: it is cancelled
    instead of waiting as 待发布 for good. Returns the titles of those."""
    scheduled = found.tasks.filter(status=TaskStatus.SCHEDULED)
    due = list(scheduled.filter(deadline__gt=now).values_list("pk", flat=True))
    Task.objects.filter(pk__in=due).update(status=TaskStatus.PUBLISHED, published_at=now)
    expired = scheduled.filter(deadline__lte=now).order_by("deadline", "id")
    titles = list(expired.values_list("title", flat=True))
    expired.update(status=TaskStatus.CANCELLED)
    _tell_targets(due)
    return titles


def _tell_targets(task_ids: list[int], *, skip: Any = None) -> None:
    """A targeted task, once published, is told to those who may claim it: the members
    of its partner units, and the team members and skilled residents who have a login.
    Without it a unit found its task only by looking at the board."""
    for task in Task.objects.filter(pk__in=task_ids, audience=Audience.TARGETED):
        people = User.objects.filter(is_active=True).filter(
            Q(partner_units__tasks=task)
            | Q(resident__team_memberships__team__tasks=task)
            | Q(resident__talents__tasks=task)
        )
        deadline = timezone.localtime(task.deadline)
        notify(
            people.distinct(),
            f"有派给您（或您所在单位、服务队）的任务：“{task.title}”，{task.places} 个名额，"
            f"截止 {deadline:%m月%d日 %H:%M}，请及时接单",
            f"/tasks/{task.pk}/",
            skip=skip,
        )


def _tell_community(
    found: MonthlyList, action: str, reason: str = "", *, skip: Any = None, expired: list[str] | None = None
) -> None:
    """The street's decision on a monthly list, told to the list's creator and the
    community's task managers (the return with its reason; on publication, the tasks
    cancelled because their deadline had passed)."""
    name = f"{found.area.name}{month_label(found.month)}月度任务清单"
    text = {
        "approve": f"{name}街道已审批通过，将于 {found.publish_on:%Y年%m月%d日} 发布",
        "return": f"{name}被街道退回修改：{mask_free_text(reason)}",
        "publish": f"{name}已发布，清单中的任务已开放接单",
    }[action]
    if expired:
        text += f"；{len(expired)} 项任务发布时已过截止时间，已取消：{'、'.join(expired[:5])}" + (
            " 等" if len(expired) > 5 else ""
        )
    users = [found.created_by, *holders(Permission.TASK_MANAGE, found.area_path)]
    # Where the step leaves the list: a returned one among the drafts to fix, an approved
    # one among those waiting for their day, a published one's tasks (not every list).
    link = {
        "approve": f"{LISTS_LINK}?status=approved",
        "return": f"{LISTS_LINK}?status=draft",
        "publish": f"/tasks/?monthly_list={found.pk}",
    }[action]
    notify(users, text, link, skip=skip)


def publish_due_lists(today: date | None = None) -> int:
    """The job: approved lists whose publish day has come are published."""
    today = today or timezone.localdate()
    count = 0
    for found in MonthlyList.objects.filter(status=ListStatus.APPROVED, publish_on__lte=today).select_related(
        "approved_by", "created_by", "area"
    ):
        actor = found.approved_by or found.created_by
        now = timezone.now()
        with transaction.atomic():
            if MonthlyList.objects.filter(pk=found.pk, status=ListStatus.APPROVED).update(
                status=ListStatus.PUBLISHED, published_at=now
            ):
                expired = _publish_listed(found, now)
                _tell_community(found, "publish", expired=expired)
                detail: dict[str, Any] = {"by": "job", **({"expired": expired} if expired else {})}
                audit.record(actor, "task.list_publish", area_path=found.area_path, obj=found, detail=detail)
                count += 1
    return count


# ---------------------------------------------------------------- claims


def claim_task(actor: Any, task_id: int, *, ip: str = "") -> Claim:
    """接单 (see ``claim_task_once``): the claim taken, or the person's live one."""
    return claim_task_once(actor, task_id, ip=ip)[0]


class _Repeated(Exception):
    """A claim of the same task by the same person committed meanwhile."""


def claim_task_once(actor: Any, task_id: int, *, ip: str = "") -> tuple[Claim, bool]:
    """接单: take one place of a published task, within its deadline and the person's cap.
    Returns (claim, created). A repeat (a phone's retry whose first answer was lost, a
    second tap) gets the person's live claim back, whatever its state, and changes
    nothing: it is checked first, so the deadline, a full task or the cap the first
    claim reached do not refuse it."""
    task = get_task(actor, task_id)
    live = live_claim(actor, task.pk)
    if live is not None:
        return live, False
    try:
        return _take_claim(actor, task, ip), True
    except _Repeated:
        # Two requests raced past the check above; the one that lost answers with the
        # claim the other made.
        live = live_claim(actor, task.pk)
        if live is None:
            raise ValidationFailed({"task": "您已经接了这个任务，不能重复接单"}) from None
        return live, False
    except ValidationFailed:
        # The loser of that race is mostly refused before the constraint, by what the
        # winner's commit changed: the last place taken, the cap reached (PostgreSQL: it
        # waited on the person's row lock, then counted again). Its claim stands.
        live = live_claim(actor, task.pk)
        if live is None:
            raise
        return live, False


def _take_claim(actor: Any, task: Task, ip: str) -> Claim:
    may, unit = claim_unit(actor, task)
    refusal = public_claim_refusal(actor, task)
    if refusal:
        raise ValidationFailed({"task": refusal})
    if not may:
        raise ValidationFailed(
            {"task": "这个任务不面向您（公开任务限本社区居民，定向任务限指定单位或服务队）"}
        )
    now = timezone.now()
    if task.status != TaskStatus.PUBLISHED:
        raise ValidationFailed({"task": f"任务当前为“{TASK_LABELS[task.status]}”，不能接单"})
    if task.deadline <= now:
        raise ValidationFailed({"deadline": "任务已过截止时间，不能接单"})
    done = done_before(task, actor, unit)
    if done:
        raise ValidationFailed({"task": done})
    cap = settings.TASK_OPEN_CLAIM_CAP
    with transaction.atomic():
        # The person's row first (PostgreSQL): their open claims are counted under the lock.
        list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
        held = open_claim_count(actor)
        if held >= cap:
            raise ValidationFailed(
                {"task": f"您已有 {held} 个进行中的任务，最多同时进行 {cap} 个，请先提交完成凭证或撤回"}
            )
        if unit is not None:
            # A unit is paid once per task, so one member's live claim holds it for the
            # unit: a second member's proof could never be accepted. The unit's row first
            # (PostgreSQL), so two members claiming at once are counted one after the other.
            list(PartnerUnit.objects.select_for_update().filter(pk=unit.pk).values_list("pk"))
            refusal = unit_claim_refusal(task, unit)
            if refusal:
                raise ValidationFailed({"task": refusal})
        # A place, by a conditional UPDATE: never more claims than places.
        taken = Task.objects.filter(
            pk=task.pk, status=TaskStatus.PUBLISHED, deadline__gt=now, filled__lt=F("places")
        ).update(filled=F("filled") + 1)
        if taken != 1:
            # The task as it is now: ended or past its deadline since it was read above (a
            # claim as staff press 结束任务) is said as such, not as the places taken.
            current = Task.objects.filter(pk=task.pk).values_list("status", "deadline").first()
            if current is not None and current[0] != TaskStatus.PUBLISHED:
                raise ValidationFailed({"task": f"任务当前为“{TASK_LABELS[current[0]]}”，不能接单"})
            if current is not None and current[1] <= now:
                raise ValidationFailed({"deadline": "任务已过截止时间，不能接单"})
            raise ValidationFailed({"places": "名额已满"})
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    task=task,
                    user=actor,
                    unit=unit,
                    area_path=_claim_place(actor, task, unit),
                    claimed_at=now,
                )
        except IntegrityError:
            raise _Repeated from None  # the place taken above is given back with the rollback
        ClaimEvent.objects.create(
            claim=claim, action="claim", to_status=ClaimStatus.CLAIMED, actor=actor, at=now
        )
        audit.record(actor, "task.claim", area_path=task.area_path, obj=claim, ip=ip)
    return claim


def _claim_place(actor: Any, task: Task, unit: Any) -> str:
    """Where a claim is kept, and so who accepts its proof: a resident's claim of a task
    set for the whole community is kept at their household, so the grid worker of their
    grid accepts it (as well as the community's staff); a unit's claim, or a claimant
    from outside the task's area, stays at the task's area."""
    home = points.user_home_path(actor) if unit is None else ""
    return home if home.startswith(task.area_path) else task.area_path


@dataclass
class ClaimActionInput:
    action: str
    note: str = ""
    files: list[Any] = field(default_factory=list)
    # The claim's newest step on the page acted from: a proof returned and sent again
    # since is not accepted unseen.
    seen: int | None = None


def transition_claim(actor: Any, claim_id: int, data: ClaimActionInput, *, ip: str = "") -> Claim:
    """Proof, acceptance (with the award), return with a reason, or withdrawal."""
    claim = get_claim(actor, claim_id)
    rule = CLAIM_TRANSITIONS.get(data.action)
    if rule is None:
        raise ValidationFailed({"action": f"未知的操作“{data.action}”"})
    # The claimant: who took it, or for a unit's claim a member of the unit now.
    if not _may(actor, claim.area_path, rule.permissions, acts_for_claim(actor, claim)):
        raise ValidationFailed({"action": f"您无权对该接单进行“{rule.label}”"})
    if claim.status not in rule.sources:
        raise _not_from(actor, claim, data.action)
    note = (data.note or "").strip()
    if data.seen is not None and data.action in ("accept", "return"):
        newer = ClaimEvent.objects.filter(claim=claim, pk__gt=data.seen).select_related("actor")
        last = newer.order_by("-id").first()
        if last is not None:
            raise Conflict(
                f"您打开页面之后，这个接单已由{last.actor}于{timezone.localtime(last.at):%m月%d日%H:%M}"
                f"进行了“{step.label if (step := CLAIM_TRANSITIONS.get(last.action)) else '更新'}”，"
                "请查看最新的凭证后再验收"
            )
    if rule.note_required and not note:
        raise ValidationFailed({"note": f"{rule.label}需要填写原因"})
    if data.action in ("return", "release"):
        _note_fits(note, f"{rule.label}原因", 200)
    else:
        _note_fits(note, "说明", CLAIM_NOTE_MAX)
    if data.action in ("accept", "return") and claim.user_id == actor.pk:
        raise ValidationFailed({"action": "不能验收自己接的任务"})
    if data.action == "release" and claim.user_id == actor.pk:
        raise ValidationFailed({"action": "自己的接单请用“撤回接单”"})
    prepared: list[proofs.Prepared] = []
    if data.action == "submit" and claim.task.status != TaskStatus.PUBLISHED:
        raise ValidationFailed({"action": "任务已结束，不能再提交凭证"})
    if data.action == "submit":
        prepared = proofs.prepare(list(data.files), "files")
        if not prepared:
            raise ValidationFailed({"files": "请上传至少一张照片或一段视频作为完成凭证"})
    stored = proofs.store_all(prepared)
    now = timezone.now()
    target = rule.target
    ends = return_ends_claim(claim) if data.action == "return" else ""
    if ends:
        # The task has ended, or its holder left: a returned claim could never be proved
        # again, so it ends here (withdrawn, no points) instead of holding its place.
        target = ClaimStatus.WITHDRAWN
    try:
        with transaction.atomic():
            updates: dict[str, Any] = {"status": target}
            if data.action == "submit":
                # A new proof answers the last return: its reason stays in the timeline,
                # not on the claim, which pages and the API show as the current state; so
                # does its decision (a proof waiting again is not one decided).
                updates |= {
                    "submitted_at": now,
                    "proof_note": note,
                    "return_reason": "",
                    "decided_at": None,
                    "decided_by": None,
                }
            elif data.action in ("accept", "return"):
                updates |= {"decided_at": now, "decided_by": actor}
                if data.action == "return":
                    updates["return_reason"] = note
            if Claim.objects.filter(pk=claim.pk, status=claim.status).update(**updates) != 1:
                # Moved since it was read: a second tap overlapping the first (both past
                # the check above), or a colleague's step. Said as either is said when
                # it comes after, not as "changed by someone else" for one's own tap.
                raise _not_from(actor, Claim.objects.get(pk=claim.pk), data.action)
            event = ClaimEvent.objects.create(
                claim=claim,
                action=data.action,
                from_status=claim.status,
                to_status=target or claim.status,
                actor=actor,
                note=note,
                at=now,
            )
            ProofFile.objects.bulk_create(
                ProofFile(
                    claim=claim,
                    event=event,
                    kind=s.kind,
                    file=s.file,
                    content_type=s.content_type,
                    sha256=s.sha256,
                    size=s.size,
                )
                for s in stored
            )
            task = claim.task
            if target == ClaimStatus.WITHDRAWN:  # a withdrawal, or a return once the task ended
                Task.objects.filter(pk=task.pk, filled__gte=1).update(filled=F("filled") - 1)
            elif data.action == "accept":
                _award(actor, claim, now)
            elif data.action == "submit":
                notify(
                    # A claimant who is staff too does not accept their own: the nearest
                    # others who may (the community's, when they are the grid's only one).
                    holders(Permission.TASK_ACCEPT, claim.area_path, skip=actor),
                    f"任务“{task.title}”已提交完成凭证，待验收",
                    f"/tasks/claims/{claim.pk}/",
                    skip=actor,
                )
            if actor.pk != claim.user_id and data.action in ("submit", "withdraw") and claim.unit is not None:
                # A colleague finished (or gave back) the unit's claim: its holder hears of it.
                notify(
                    [claim.user],
                    f"{claim.unit.name}的{actor}已为您接的任务“{task.title}”{rule.label}",
                    f"/tasks/claims/{claim.pk}/",
                )
            if data.action == "release":
                notify(
                    [claim.user],
                    f"您接的任务“{task.title}”已由工作人员释放名额，接单结束（不计积分）："
                    f"{mask_free_text(note)}",
                    f"/tasks/claims/{claim.pk}/",
                )
            if data.action in ("accept", "return"):
                text = (
                    _accepted_text(task, claim)
                    if data.action == "accept"
                    else f"您的任务“{task.title}”被退回：{mask_free_text(note)}"
                    + (f"（{ends}，接单随之结束）" if ends else "")
                )
                told = [claim.user]
                sent = ClaimEvent.objects.filter(claim=claim, action="submit").select_related("actor").last()
                if sent is not None and sent.actor is not None and sent.actor_id != claim.user_id:
                    told.append(sent.actor)  # a unit colleague sent the proof for its holder
                notify(told, text, f"/tasks/claims/{claim.pk}/")
            audit.record(actor, f"task.claim_{data.action}", area_path=claim.area_path, obj=claim, ip=ip)
    except Exception:
        proofs.remove(stored)
        raise
    claim.refresh_from_db()
    return claim


def _not_from(actor: Any, claim: Claim, action: str) -> Conflict | ValidationFailed:
    """Why ``action`` cannot be taken on ``claim`` as it now stands."""
    label = CLAIM_TRANSITIONS[action].label
    last = ClaimEvent.objects.filter(claim=claim).order_by("-id").first()
    if last is not None and last.action == action and last.actor_id == actor.pk:
        # A second tap (a slow connection, a second tab) of the step just taken read as
        # a failure: "接单当前为“已验收”，不能进行“验收通过”". Said as what it is.
        return Conflict(
            f"您已于{timezone.localtime(last.at):%m月%d日%H:%M}进行了“{label}”，"
            f"接单现在为“{CLAIM_LABELS[claim.status]}”，无需重复操作"
        )
    return ValidationFailed({"action": f"接单当前为“{CLAIM_LABELS[claim.status]}”，不能进行“{label}”"})


def _end_unproved_claims(actor: Any, task: Task, reason: str = "") -> int:
    """结束任务: claims with no proof waiting (taken, or returned for another try) can no
    longer earn anything, so they are withdrawn for their holders, who are told; proof
    already submitted is still accepted or returned by the grid worker."""
    now = timezone.now()
    ending = list(
        Claim.objects.filter(
            task=task, status__in=(ClaimStatus.CLAIMED, ClaimStatus.RETURNED)
        ).select_related("user")
    )
    withdrawn = 0
    for claim in ending:
        if Claim.objects.filter(pk=claim.pk, status=claim.status).update(status=ClaimStatus.WITHDRAWN) != 1:
            continue  # the holder acted at the same moment; their action stands
        # The place is given back, as when the holder withdraws.
        Task.objects.filter(pk=task.pk, filled__gte=1).update(filled=F("filled") - 1)
        withdrawn += 1
        ClaimEvent.objects.create(
            claim=claim,
            action="withdraw",
            from_status=claim.status,
            to_status=ClaimStatus.WITHDRAWN,
            actor=actor,
            note="任务已结束，未提交凭证的接单自动撤回" + (f"。结束原因：{reason}" if reason else ""),
            at=now,
        )
        # What happened comes first: a notice is cut at 300 characters, and a long title
        # and reason used to cut off that the claim was withdrawn.
        why = f"（结束原因：{mask_free_text(reason)}）" if reason else ""
        notify(
            [claim.user],
            f"您的接单已撤回：任务“{task.title}”已结束{why}",
            f"/tasks/claims/{claim.pk}/",
            skip=actor,
        )
    return withdrawn


def _accepted_text(task: Task, claim: Claim) -> str:
    """The claimant's notice on acceptance: who the points went to."""
    if claim.unit_id and claim.unit is not None:
        return f"您的任务“{task.title}”已验收，{task.points} 积分已记入{claim.unit.name}的单位账户"
    return f"您的任务“{task.title}”已验收，获得 {task.points} 积分"


def _award(actor: Any, claim: Claim, now: datetime) -> None:
    task = claim.task
    account = points.account_for_unit(claim.unit) if claim.unit_id else points.account_for_user(claim.user)
    txn = points.award(actor, task=task, account=account, points=task.points, memo=f"完成任务：{task.title}")
    try:
        with transaction.atomic():
            Award.objects.create(
                task=task,
                user=claim.user,
                unit_id=claim.unit_id,
                claim=claim,
                points=task.points,
                transaction=txn,
                at=now,
            )
    except IntegrityError:
        if claim.unit_id and Award.objects.filter(task=task, unit_id=claim.unit_id).exists():
            raise ValidationFailed({"action": "该任务已向此单位发放过积分，不能重复发放"}) from None
        raise ValidationFailed({"action": "该任务已向此人发放过积分，不能重复发放"}) from None


# ---------------------------------------------------------------- resources


@dataclass
class UnitInput:
    name: str
    kind: str
    area: str
    contact_name: str = ""
    contact_phone: str = ""
    services: str = ""


def add_unit(actor: Any, data: UnitInput) -> PartnerUnit:
    errors: dict[str, str] = {}
    area = _resource_area(actor, data.area, errors)
    if not (data.name or "").strip():
        errors["name"] = "请填写单位名称"
    elif mask_free_text(data.name) != data.name:
        errors["name"] = f"单位名称{_NAME_NUMBER}；电话请填在“联系电话”里（对他人隐去号码）"
    if data.kind not in UnitKind.values:
        errors["kind"] = "请选择单位类型"
    _contact_name_plain(errors, data.contact_name or "")
    phone = ""
    if data.contact_phone.strip():
        from shequ.people.phones import normalize

        try:
            phone = normalize(data.contact_phone)
        except ValueError as exc:
            errors["contact_phone"] = str(exc) or "电话号码格式不正确"
    too_long(
        errors,
        [
            ("name", "单位名称", data.name, 100),
            ("contact_name", "联系人", data.contact_name, 50),
            ("services", "可提供的服务", data.services, 200),
        ],
    )
    if errors:
        raise ValidationFailed(errors)
    assert area is not None
    try:
        with transaction.atomic():
            unit = PartnerUnit.objects.create(
                name=data.name.strip()[:100],
                kind=data.kind,
                contact_name=data.contact_name.strip()[:50],
                contact_phone_enc=fieldcrypt.encrypt(phone, "phone") if phone else "",
                contact_phone_masked=mask_phone(phone),
                services=data.services.strip()[:200],
                area=area,
                area_path=area.path,
            )
            audit.record(actor, "resource.unit_add", area_path=area.path, obj=unit)
    except IntegrityError:
        raise ValidationFailed({"name": "该区域已有同名单位"}) from None
    return unit


# A unit's, team's or venue's name is listed as typed to everyone the resource lists,
# targeted tasks and claims reach: a phone or ID number in it was read there in full.
_NAME_NUMBER = "会显示给他人，请不要写电话或证件号"


def _contact_name_plain(errors: dict[str, str], name: str) -> None:
    """A unit's 联系人 is a name, listed as typed: a phone or ID number in it reached every
    reader in full, while the phone field beside it is masked and its full read audited."""
    if mask_free_text(name) != name:
        errors["contact_name"] = (
            "联系人只填姓名，请不要写电话或证件号；电话请填在“联系电话”里（对他人隐去号码）"
        )


def _resource_area(actor: Any, code: str, errors: dict[str, str]) -> Area | None:
    area = Area.objects.filter(code=code).first()
    if area is None or not can(actor, Permission.RESOURCE_MANAGE, area.path):
        errors["area"] = "请选择您管辖的区域"
        return None
    return area


def unit_contact_phone(actor: Any, unit_id: int, reason: str, *, ip: str = "") -> str:
    """A partner unit's full contact phone, for staff whose role may read full phones
    where the unit is, with the reason written to the audit log (as for a resident's)."""
    from shequ.people.services import unmask_allowance, unmask_reason

    unit = PartnerUnit.objects.visible_to(actor, Permission.RESOURCE_VIEW).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("共建单位")
    errors: dict[str, str] = {}
    reason = unmask_reason(reason, errors)
    if errors:
        raise ValidationFailed(errors)
    if not can(actor, Permission.UNMASK_PHONE, unit.area_path):
        raise ValidationFailed({"field": "您的角色无权查看完整的联系电话"})
    if not unit.contact_phone_enc:
        raise ValidationFailed({"field": "该单位没有登记联系电话"})
    phone = fieldcrypt.decrypt(unit.contact_phone_enc, "phone")  # recorded only once it opens
    with transaction.atomic():
        unmask_allowance(actor)
        audit.record(
            actor,
            "resource.unit_unmask",
            area_path=unit.area_path,
            obj=unit,
            detail={"field": "contact_phone", "reason": reason},
            ip=ip,
        )
    return phone


def add_unit_member(actor: Any, unit_id: int, user: Any, *, ip: str = "") -> None:
    unit = PartnerUnit.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("共建单位")
    with transaction.atomic():
        unit.members.add(user)
        audit.record(
            actor, "resource.unit_member", area_path=unit.area_path, obj=unit, detail={"user": user.pk}, ip=ip
        )
        # Staff add members: the member learns here what the unit's login is for.
        notify(
            [user],
            f"您已被登记为{unit.name}的成员，可以在任务大厅领取派给本单位的定向任务，所得积分记入单位账户",
            "/tasks/",
            skip=actor,
        )


def add_unit_member_by_username(actor: Any, unit_id: int, username: str, *, ip: str = "") -> PartnerUnit:
    """A person joins a partner unit (and may then claim its targeted tasks), named by
    their username. Only someone holding a role in the actor's scope; one message whether
    the name is unknown or outside it, so usernames elsewhere cannot be probed."""
    unit = PartnerUnit.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("共建单位")
    name = (username or "").strip()
    if not name:
        raise ValidationFailed({"username": "请填写成员的用户名"})
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None or not any(can(actor, Permission.RESOURCE_MANAGE, path) for _, path in assignments(user)):
        raise ValidationFailed({"username": "找不到该用户，或该用户不在您的管辖范围内"})
    if unit.members.filter(pk=user.pk).exists():
        raise ValidationFailed({"username": "该用户已是该单位成员"})
    add_unit_member(actor, unit.pk, user, ip=ip)
    return unit


def withdraw_unproved(actor: Any, claims: Any, note: str) -> int:
    """Withdraw the claims among ``claims`` with no proof waiting (taken, or returned for
    another try), giving their places back: held by someone who can no longer act on
    them, they blocked the task (a unit's one claim) for good. Proof already sent is
    still accepted or returned. ``actor`` None: recorded as the holder's own account. A
    holder whose account is still active (removed from a unit) is told, as for any other
    withdrawal: they may be on their way to do the work."""
    now = timezone.now()
    withdrawn = 0
    for claim in claims.filter(status__in=(ClaimStatus.CLAIMED, ClaimStatus.RETURNED)).select_related(
        "user", "task"
    ):
        if Claim.objects.filter(pk=claim.pk, status=claim.status).update(status=ClaimStatus.WITHDRAWN) != 1:
            continue  # the holder acted at the same moment; their action stands
        Task.objects.filter(pk=claim.task_id, filled__gte=1).update(filled=F("filled") - 1)
        ClaimEvent.objects.create(
            claim=claim,
            action="withdraw",
            from_status=claim.status,
            to_status=ClaimStatus.WITHDRAWN,
            actor=actor or claim.user,
            note=note,
            at=now,
        )
        if claim.user.is_active:
            notify(
                [claim.user],
                f"您的接单已撤回：任务“{claim.task.title}”，{note}",
                f"/tasks/claims/{claim.pk}/",
            )
        withdrawn += 1
    return withdrawn


def tell_waiting_proofs(claims: Any) -> int:
    """Proof among ``claims`` still waiting for acceptance (待验收), told to whoever accepts
    at its place now and has not heard of it: the acceptor told when it was sent left (a
    role ended, an account stopped), or the claimant moved to another grid. Claims have no
    reminders, so it waited in a queue nobody was told of. Returns how many were told."""
    told = 0
    at_place: dict[tuple[str, int], list[Any]] = {}
    for claim in claims.filter(status=ClaimStatus.SUBMITTED).select_related("task", "user"):
        link = f"/tasks/claims/{claim.pk}/"
        place = (claim.area_path, claim.user_id)
        if place not in at_place:
            at_place[place] = holders(Permission.TASK_ACCEPT, claim.area_path, skip=claim.user)
        if notify_unheard(at_place[place], f"任务“{claim.task.title}”已提交完成凭证，待验收", link):
            told += 1
    return told


def tell_waiting_under(accepted: list[str], approved: list[str]) -> None:
    """What waited on someone who left, told to who takes it now and has not heard of it:
    ``tell_waiting_proofs`` for the claims under ``accepted`` (where they accepted proof),
    and the monthly lists under review under ``approved`` (where they approved lists; a
    list sent to the street cannot be edited or withdrawn, so it waited for an approver
    nobody told of it)."""
    if accepted:
        tell_waiting_proofs(Claim.objects.filter(under_any(accepted)))
    if not approved:
        return
    waiting = MonthlyList.objects.filter(under_any(approved), status=ListStatus.SUBMITTED).select_related(
        "area"
    )
    for found in waiting:
        approvers = [
            u for u in holders(Permission.TASK_APPROVE, found.area_path) if u.pk != found.created_by_id
        ]
        # One link for every list: told once per list, by its text.
        notify_unheard(approvers, _under_review_text(found), REVIEW_LINK, same_text=True)


def remove_unit_member(actor: Any, unit_id: int, user_id: int, *, ip: str = "") -> PartnerUnit:
    """A person no longer acts for a partner unit (left it, or was added by mistake):
    they stop seeing and claiming its targeted tasks and hearing of its points. Claims
    they took for the unit with proof sent stay for review; the others are withdrawn, so
    that another member can take the unit's place."""
    unit = PartnerUnit.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("共建单位")
    # An id past what the database keeps is no member either (not "the number is too large").
    if not 0 < user_id <= ID_MAX or not unit.members.filter(pk=user_id).exists():
        raise ValidationFailed({"member": "该用户不是该单位成员"})
    with transaction.atomic():
        unit.members.remove(user_id)
        withdrawn = withdraw_unproved(
            actor,
            Claim.objects.filter(unit=unit, user_id=user_id),
            "已不再代表该单位，未提交凭证的接单自动撤回",
        )
        detail: dict[str, Any] = {"user": user_id}
        if withdrawn:
            detail["claims_withdrawn"] = withdrawn
        notify(
            User.objects.filter(pk=user_id, is_active=True),
            f"您已不再是{unit.name}的成员，不能再领取派给该单位的定向任务",
            "/tasks/",
            skip=actor,
        )
        audit.record(
            actor,
            "resource.unit_member_remove",
            area_path=unit.area_path,
            obj=unit,
            detail=detail,
            ip=ip,
        )
    return unit


def add_team(actor: Any, name: str, kind: str, area_code: str, leader: str = "") -> ServiceTeam:
    errors: dict[str, str] = {}
    area = _resource_area(actor, area_code, errors)
    if not (name or "").strip():
        errors["name"] = "请填写服务队名称"
    elif mask_free_text(name) != name:
        errors["name"] = f"服务队名称{_NAME_NUMBER}"
    if kind not in TeamKind.values:
        errors["kind"] = "请选择服务队类型"
    too_long(errors, [("name", "服务队名称", name, 100), ("leader", "队长", leader, 50)])
    if errors:
        raise ValidationFailed(errors)
    assert area is not None
    try:
        with transaction.atomic():
            team = ServiceTeam.objects.create(
                name=name.strip()[:100], kind=kind, leader=leader.strip()[:50], area=area, area_path=area.path
            )
            audit.record(actor, "resource.team_add", area_path=area.path, obj=team)
    except IntegrityError:
        raise ValidationFailed({"name": "该区域已有同名服务队"}) from None
    return team


def add_team_member(actor: Any, team_id: int, resident_id: int, *, ip: str = "") -> TeamMember:
    from shequ.people.selectors import get_resident

    team = ServiceTeam.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=team_id).first()
    if team is None:
        raise NotFound("服务队")
    try:
        resident = get_resident(actor, resident_id)
    except NotFound:
        raise ValidationFailed({"resident": "居民不存在或不在您的管辖范围内"}) from None
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(team=team, resident=resident)
            audit.record(
                actor,
                "resource.team_member",
                area_path=team.area_path,
                obj=team,
                detail={"resident": resident.pk},
                ip=ip,
            )
    except IntegrityError:
        raise ValidationFailed({"resident": "该居民已在服务队中"}) from None
    return member


def remove_team_member(actor: Any, team_id: int, resident_id: int, *, ip: str = "") -> ServiceTeam:
    """A resident leaves a service team: they stop seeing and claiming its targeted tasks
    and hearing of them. Claims they already took for the team stay as they are."""
    team = ServiceTeam.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=team_id).first()
    if team is None:
        raise NotFound("服务队")
    with transaction.atomic():
        # An id past what the database keeps is no member either (not "the number is too large").
        gone = (
            0 < resident_id <= ID_MAX
            and TeamMember.objects.filter(team=team, resident_id=resident_id).delete()[0]
        )
        if not gone:
            raise ValidationFailed({"member": "该居民不是该服务队队员"})
        audit.record(
            actor,
            "resource.team_member_remove",
            area_path=team.area_path,
            obj=team,
            detail={"resident": resident_id},
            ip=ip,
        )
    return team


# A resource's own details, corrected in place (a unit's contact changes hands, a team
# its leader, a venue its equipment). None leaves a field as it is; the audit row names
# the fields changed, not their values (a phone stays out of the log).


def update_unit(
    actor: Any,
    unit_id: int,
    *,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    services_text: str | None = None,
    ip: str = "",
) -> PartnerUnit:
    """A partner unit's contact and services. An empty ``contact_phone`` keeps the number
    (the form shows it masked); "无" (``CLEAR_WORDS``) takes it off (a contact who left)."""
    unit = PartnerUnit.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("共建单位")
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if contact_name is not None:
        # One written before numbers were refused there is shown masked: sent back as read,
        # its number is kept as stored; a number typed anew is refused.
        contact_name = kept_if_echoed(contact_name, unit.contact_name, actor, None).strip()
        if contact_name != unit.contact_name:
            _contact_name_plain(errors, contact_name)
        too_long(errors, [("contact_name", "联系人", contact_name, 50)])
        changes["contact_name"] = contact_name
    if services_text is not None:
        # Hidden numbers put back first: the length checked is the length stored.
        services_text = kept_if_echoed(services_text, unit.services, actor, None)
        too_long(errors, [("services", "可提供的服务", services_text.strip(), 200)])
        changes["services"] = services_text.strip()
    if contact_phone and contact_phone.strip() in CLEAR_WORDS:
        if unit.contact_phone_enc:
            changes["contact_phone_enc"] = ""
            changes["contact_phone_masked"] = ""
    elif contact_phone and contact_phone.strip():
        from shequ.people.phones import normalize

        try:
            phone = normalize(contact_phone)
        except ValueError as exc:
            errors["contact_phone"] = str(exc) or "电话号码格式不正确"
        else:
            if phone != (
                fieldcrypt.decrypt(unit.contact_phone_enc, "phone") if unit.contact_phone_enc else ""
            ):
                changes["contact_phone_enc"] = fieldcrypt.encrypt(phone, "phone")
                changes["contact_phone_masked"] = mask_phone(phone)
    if errors:
        raise ValidationFailed(errors)
    return _save_resource(actor, unit, changes, "resource.unit_edit", ip)


def offer_unit_services(actor: Any, unit_id: int, services_text: str, *, ip: str = "") -> PartnerUnit:
    """A member of a partner unit says what the unit offers the community (可提供的服务,
    its line of the resource list: "资源共享"); the community's staff who keep the list
    are told. Only a member of the unit: anyone else is the same 404."""
    unit = PartnerUnit.objects.filter(pk=unit_id, members=actor).first() if actor.is_active else None
    if unit is None:
        raise NotFound("共建单位")
    errors: dict[str, str] = {}
    # Hidden numbers put back first: the length checked is the length stored.
    text = kept_if_echoed(services_text or "", unit.services, actor, None).strip()
    if not text:
        errors["services"] = "请填写本单位可提供的服务，如“用电安全检查、电力设备运维”"
    too_long(errors, [("services", "可提供的服务", text, 200)])
    if errors:
        raise ValidationFailed(errors)
    before = unit.services
    unit = _save_resource(actor, unit, {"services": text}, "resource.unit_offer", ip)
    if unit.services != before:
        notify(
            holders(Permission.RESOURCE_MANAGE, unit.area_path, skip=actor),
            f"{unit.name}更新了可提供的服务：{mask_free_text(unit.services)}",
            "/tasks/resources/?tab=unit",
            skip=actor,
        )
    return unit


def update_team(actor: Any, team_id: int, *, leader: str, ip: str = "") -> ServiceTeam:
    team = ServiceTeam.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=team_id).first()
    if team is None:
        raise NotFound("服务队")
    errors: dict[str, str] = {}
    leader = kept_if_echoed(leader, team.leader, actor, None)
    too_long(errors, [("leader", "队长", leader.strip(), 50)])
    if errors:
        raise ValidationFailed(errors)
    return _save_resource(actor, team, {"leader": leader.strip()}, "resource.team_edit", ip)


def update_venue(
    actor: Any, venue_id: int, *, description: str | None = None, capacity: int | None = None, ip: str = ""
) -> Venue:
    venue = Venue.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=venue_id).first()
    if venue is None:
        raise NotFound("场地或设备")
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if description is not None:
        description = kept_if_echoed(description, venue.description, actor, None)
        too_long(errors, [("description", "说明", description.strip(), 200)])
        changes["description"] = description.strip()
    if capacity is not None:
        if capacity < 1:
            errors["capacity"] = "容量/数量至少为 1"
        changes["capacity"] = capacity
    if errors:
        raise ValidationFailed(errors)
    return _save_resource(actor, venue, changes, "resource.venue_edit", ip)


_RESOURCE_FIELDS = {
    "contact_name": "联系人",
    "contact_phone_enc": "联系电话",
    "contact_phone_masked": "联系电话",
    "services": "可提供的服务",
    "leader": "队长",
    "description": "说明",
    "capacity": "容量/数量",
}


def _save_resource(actor: Any, row: Any, changes: dict[str, Any], event: str, ip: str) -> Any:
    changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if changes:
        with transaction.atomic():
            type(row).objects.filter(pk=row.pk).update(**changes)
            named = sorted({_RESOURCE_FIELDS[k] for k in changes})
            audit.record(actor, event, area_path=row.area_path, obj=row, detail={"fields": named}, ip=ip)
        row.refresh_from_db()
    return row


def remove_talent(actor: Any, talent_id: int, *, ip: str = "") -> None:
    """A skill registered by mistake, or of a resident who no longer offers it."""
    found = Talent.objects.visible_to(actor, Permission.RESOURCE_MANAGE).filter(pk=talent_id).first()
    if found is None:
        raise NotFound("能人才人艺人登记")
    with transaction.atomic():
        Talent.objects.filter(pk=found.pk).delete()
        audit.record(
            actor,
            "resource.talent_remove",
            area_path=found.area_path,
            obj=found,
            detail={"resident": found.resident_id, "skill": mask_free_text(found.skill)},
            ip=ip,
        )


def add_talent(actor: Any, resident_id: int, kind: str, trade: str, skill: str, field_: str = "") -> Talent:
    from shequ.people.selectors import get_resident

    errors: dict[str, str] = {}
    resident = None
    try:
        resident = get_resident(actor, resident_id)
    except NotFound:
        errors["resident"] = "居民不存在或不在您的管辖范围内"
    if resident is not None and not can(actor, Permission.RESOURCE_MANAGE, resident.area_path):
        errors["resident"] = "只能登记您管辖范围内的居民"
    if kind not in TalentKind.values:
        errors["kind"] = "请选择能人、才人或艺人"
    if not (trade or "").strip():
        errors["trade"] = "请填写行业"
    if not (skill or "").strip():
        errors["skill"] = "请填写特长"
    # The trade is shown with the name to everyone a targeted task reaches ("张*（电工）"),
    # and both are searched as typed: a number in them would be read in full.
    for name, label, typed in (("trade", "行业", trade or ""), ("field", "领域", field_ or "")):
        if name not in errors and mask_free_text(typed) != typed:
            errors[name] = (
                f"{label}会随定向任务和资源清单显示，请不要写电话或证件号；"
                "联系方式请写在特长里（对他人隐去号码）"
            )
    too_long(
        errors, [("trade", "行业", trade, 50), ("field", "领域", field_, 50), ("skill", "特长", skill, 100)]
    )
    if errors:
        raise ValidationFailed(errors)
    assert resident is not None
    try:
        with transaction.atomic():
            found = Talent.objects.create(
                resident=resident,
                kind=kind,
                trade=trade.strip(),
                field=field_.strip(),
                skill=skill.strip(),
                area_path=resident.area_path,
            )
            audit.record(actor, "resource.talent_add", area_path=resident.area_path, obj=found)
    except IntegrityError:
        raise ValidationFailed({"skill": f"{resident.name}已登记过这项特长"}) from None
    return found


def add_venue(
    actor: Any, name: str, kind: str, area_code: str, description: str = "", capacity: int = 1
) -> Venue:
    errors: dict[str, str] = {}
    area = _resource_area(actor, area_code, errors)
    if not (name or "").strip():
        errors["name"] = "请填写名称"
    elif mask_free_text(name) != name:
        errors["name"] = f"名称{_NAME_NUMBER}；联系方式请写在说明里（对他人隐去号码）"
    if kind not in VenueKind.values:
        errors["kind"] = "请选择场地或设备"
    if capacity < 1:
        errors["capacity"] = "容量/数量至少为 1"
    too_long(errors, [("name", "名称", name, 100), ("description", "说明", description, 200)])
    if errors:
        raise ValidationFailed(errors)
    assert area is not None
    try:
        with transaction.atomic():
            venue = Venue.objects.create(
                name=name.strip(),
                kind=kind,
                description=description.strip(),
                capacity=capacity,
                area=area,
                area_path=area.path,
            )
            audit.record(actor, "resource.venue_add", area_path=area.path, obj=venue)
    except IntegrityError:
        raise ValidationFailed({"name": f"{area.name}已有名为“{name.strip()}”的场地或设备"}) from None
    return venue
