from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from shequ.access.audit import client_ip
from shequ.access.masking import shown_to
from shequ.access.roles import Permission
from shequ.access.scope import staff_only
from shequ.core.api import (
    Body,
    Integer,
    Number,
    Ref,
    body_doc,
    choice,
    invalid,
    one_of,
    one_of_query,
    unread_parts,
)
from shequ.core.errors import ValidationFailed
from shequ.core.numbers import ID_MAX
from shequ.core.pagination import CappedPageNumberPagination
from shequ.people import selectors as people_selectors
from shequ.tasks import selectors, services
from shequ.tasks.lifecycle import CLAIM_TRANSITIONS, LIST_TRANSITIONS, TASK_TRANSITIONS, allowed
from shequ.tasks.models import (
    Audience,
    Category,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Difficulty,
    ListStatus,
    MonthlyList,
    PartnerUnit,
    ServiceTeam,
    Talent,
    TalentKind,
    Task,
    TaskStatus,
    TeamKind,
    TeamMember,
    UnitKind,
    Venue,
    VenueKind,
)

router = Router(tags=["任务清单"])

# The values of each choice, listed in the OpenAPI document (checked by the handlers and
# services, which name a wrong one in Chinese).
CategoryValue = Annotated[str, one_of(Category.values)]
DifficultyValue = Annotated[str, one_of(Difficulty.values)]
AudienceValue = Annotated[str, one_of(Audience.values)]
TaskStatusValue = Annotated[str, one_of(TaskStatus.values)]
ClaimStatusValue = Annotated[str, one_of(ClaimStatus.values)]
UnitKindValue = Annotated[str, one_of(UnitKind.values)]
TeamKindValue = Annotated[str, one_of(TeamKind.values)]
TalentKindValue = Annotated[str, one_of(TalentKind.values)]
VenueKindValue = Annotated[str, one_of(VenueKind.values)]


def _my_claim(obj: Task, context: Any) -> tuple[str | None, bool]:
    """The caller's claim of ``obj`` as ``selectors.with_my_claim`` reads it: from the
    list's own query, or for one task (GET /tasks/{id}) read for it alone."""
    found: Any = obj
    if not hasattr(obj, "my_claim"):
        found = selectors.with_my_claim(Task.objects.filter(pk=obj.pk), context["request"].user).get()
        obj.__dict__.update(my_claim=found.my_claim, my_claim_reversed=found.my_claim_reversed)
    return found.my_claim, bool(found.my_claim_reversed)


class TaskOut(Schema):
    id: int
    title: str
    description: str
    category: CategoryValue
    category_name: str
    difficulty: DifficultyValue
    points: int
    places: int
    filled: int
    places_left: int
    deadline: datetime
    past_deadline: bool  # published, past its deadline: no more claims until staff close it
    audience: AudienceValue
    status: TaskStatusValue
    status_label: str
    area: str
    area_name: str
    problem: int | None
    monthly_list: int | None
    published_at: datetime | None
    attachments: list[str]
    target_units: list[str]  # a targeted task: the partner units and service teams it is for
    target_teams: list[str]
    # Skilled residents (能人、才人、艺人): "name（trade）", the name masked (张*) for all
    # but staff over the task, as a targeted person is seen by the others it is aimed at.
    target_talents: list[str]
    target_unit_ids: list[int]  # the same, as ids: what PUT /tasks/{id} takes back
    target_team_ids: list[int]
    target_talent_ids: list[int]
    version: str  # what PUT /tasks/{id} takes back as ``seen``
    # The caller's own live claim of the task (its status), null when none: the board's
    # "我的接单", shown instead of offering 接单 again; and whether its award was reversed.
    my_claim: ClaimStatusValue | None = None
    my_claim_reversed: bool = False
    # The steps of the lifecycle table the caller may take now (POST /tasks/{id}/transitions
    # or /publish), as the task page shows its buttons; 接单 is read from places_left and my_claim.
    allowed_actions: list[Annotated[str, one_of(TASK_TRANSITIONS)]] = []

    @staticmethod
    def resolve_version(obj: Task) -> str:
        return selectors.edit_version(obj)

    @staticmethod
    def resolve_allowed_actions(obj: Task, context: Any) -> list[str]:
        return [a for a, _ in selectors.task_actions(context["request"].user, obj)]

    @staticmethod
    def resolve_my_claim(obj: Task, context: Any) -> str | None:
        return _my_claim(obj, context)[0]

    @staticmethod
    def resolve_my_claim_reversed(obj: Task, context: Any) -> bool:
        return _my_claim(obj, context)[1]

    @staticmethod
    def resolve_category_name(obj: Task) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Task) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_area(obj: Task) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: Task) -> str:
        return obj.area.name

    @staticmethod
    def resolve_problem(obj: Task, context: Any) -> int | None:
        return selectors.shown_problem(context["request"].user, obj)

    @staticmethod
    def resolve_monthly_list(obj: Task) -> int | None:
        return obj.monthly_list_id

    @staticmethod
    def resolve_target_units(obj: Task) -> list[str]:
        return [u.name for u in obj.target_units.all()]

    @staticmethod
    def resolve_target_teams(obj: Task) -> list[str]:
        return [t.name for t in obj.target_teams.all()]

    @staticmethod
    def resolve_target_talents(obj: Task, context: Any) -> list[str]:
        return selectors.talent_labels(context["request"].user, obj)

    @staticmethod
    def resolve_target_talent_ids(obj: Task) -> list[int]:
        return [t.pk for t in obj.target_talents.all()]

    @staticmethod
    def resolve_target_unit_ids(obj: Task) -> list[int]:
        return [u.pk for u in obj.target_units.all()]

    @staticmethod
    def resolve_target_team_ids(obj: Task) -> list[int]:
        return [t.pk for t in obj.target_teams.all()]

    @staticmethod
    def resolve_description(obj: Task, context: Any) -> str:
        return shown_to(context["request"].user, obj.created_by_id, obj.description)

    @staticmethod
    def resolve_attachments(obj: Task) -> list[str]:
        return [f"/tasks/attachments/{a.pk}/" for a in obj.attachments.all()]


class TaskIn(Body):
    title: str
    description: str
    category: CategoryValue
    difficulty: DifficultyValue
    places: Number
    deadline: datetime
    area: str
    audience: AudienceValue = "public"
    target_units: list[Ref] = []
    target_teams: list[Ref] = []
    target_talents: list[Ref] = []  # ids from GET /resources/talents/
    problem: Ref | None = None
    monthly_list: Ref | None = None

    @field_validator("deadline", mode="before")
    @classmethod
    def _day_alone_ends_at_night(cls, value: Any) -> Any:
        # "2026-12-02" is the end of that day, as on the editor (services.deadline_typed).
        # A number, or a string of digits, is no date here: pydantic read it as seconds
        # since 1970, and the refusal said the deadline had passed, not what it was.
        if isinstance(value, str):
            typed = services.deadline_typed(value)
            if typed is None:
                raise PydanticCustomError("datetime_parsing", "not a date and time")
            return typed
        if isinstance(value, (int, float)):
            raise PydanticCustomError("datetime_type", "not a date and time")
        return value


class TaskUpdateIn(TaskIn):
    monthly_list: Ref | None = Field(
        None,
        description="移到另一份编制中的月度清单；0 移出所在清单，改为临时任务草稿"
        "（清单编制中或退回修改时）。不填则不变",
    )
    seen: str = Field(
        "",
        max_length=64,
        description="修改前读到的任务 version；任务已被他人修改则不保存（409 changed）。不填则不检查",
    )


class ClaimOut(Schema):
    id: int
    task: int
    task_title: str
    claimant: str
    unit: str
    status: ClaimStatusValue
    status_label: str
    proof_note: str
    return_reason: str
    claimed_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    files: list[str]
    allowed_actions: list[Annotated[str, one_of(CLAIM_TRANSITIONS)]]
    version: int  # the newest step: sent back as ``seen`` with accept or return
    # 冲正: the points of an accepted claim were taken back; its status stays accepted.
    reversed: bool
    reversal_reason: str  # "" unless reversed

    @staticmethod
    def resolve_reversed(obj: Claim) -> bool:
        return selectors.award_reversal(obj) is not None

    @staticmethod
    def resolve_reversal_reason(obj: Claim) -> str:
        return selectors.award_reversal(obj) or ""

    @staticmethod
    def resolve_version(obj: Claim) -> int:
        return selectors.claim_version(obj)

    @staticmethod
    def resolve_task(obj: Claim) -> int:
        return obj.task_id

    @staticmethod
    def resolve_task_title(obj: Claim) -> str:
        return obj.task.title

    @staticmethod
    def resolve_claimant(obj: Claim) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_unit(obj: Claim) -> str:
        return obj.unit.name if obj.unit_id and obj.unit else ""

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_proof_note(obj: Claim, context: Any) -> str:
        return shown_to(context["request"].user, obj.user_id, obj.proof_note)

    @staticmethod
    def resolve_return_reason(obj: Claim, context: Any) -> str:
        return shown_to(context["request"].user, obj.decided_by_id, obj.return_reason)

    @staticmethod
    def resolve_files(obj: Claim) -> list[str]:
        return [f"/tasks/proofs/{p.pk}/" for p in obj.proofs.all()]

    @staticmethod
    def resolve_allowed_actions(obj: Claim, context: Any) -> list[str]:
        viewer = context["request"].user
        return [
            a for a in allowed(CLAIM_TRANSITIONS, obj.status) if selectors.may_act_on_claim(viewer, obj, a)
        ]


class ClaimEventOut(Schema):
    """One step of a claim (经过), as the claim page shows it."""

    action: Annotated[str, one_of(["claim", *CLAIM_TRANSITIONS])]
    label: str
    from_status: str  # "" for the claim itself
    to_status: ClaimStatusValue
    actor: str
    note: str  # numbers in it masked for all but its writer
    at: datetime
    files: list[str]  # the proof sent at this step (an earlier, returned one too)

    @staticmethod
    def resolve_actor(obj: ClaimEvent) -> str:
        return str(obj.actor)

    @staticmethod
    def resolve_files(obj: ClaimEvent) -> list[str]:
        return [f"/tasks/proofs/{p.pk}/" for p in obj.proofs.all()]


class ClaimDetailOut(ClaimOut):
    events: list[ClaimEventOut]  # oldest first: only in GET /claims/{id}, not in lists

    @staticmethod
    def resolve_events(obj: Claim, context: Any) -> list[ClaimEvent]:
        return selectors.claim_timeline(context["request"].user, obj)


class NoteIn(Body):
    note: str = ""


class ReturnIn(Body):
    reason: str  # required: a 退回 always says why


class MonthlyListIn(Body):
    area: str
    month: str
    publish_on: date | None = None


class MonthlyListOut(Schema):
    id: int
    area: str
    area_name: str
    month: str
    publish_on: date
    status: Annotated[str, one_of(ListStatus.values)]
    status_label: str
    return_reason: str
    tasks: int
    version: int  # review steps so far: sent back as ``seen`` with a transition
    # The steps the caller may take now, as the page's buttons (none of one's own approval,
    # nor 发布 before the publish day, nor 报审/审批 once the month is over).
    allowed_actions: list[Annotated[str, one_of(LIST_TRANSITIONS)]] = []

    @staticmethod
    def resolve_version(obj: MonthlyList) -> int:
        return selectors.list_version(obj)

    @staticmethod
    def resolve_allowed_actions(obj: MonthlyList, context: Any) -> list[str]:
        return [a for a, _ in selectors.list_actions(context["request"].user, obj)]

    @staticmethod
    def resolve_area(obj: MonthlyList) -> str:
        return obj.area.code

    @staticmethod
    def resolve_return_reason(obj: MonthlyList, context: Any) -> str:
        # As on the page: while returned only, whole to its writer, numbers masked for others.
        return selectors.return_reason_shown(context["request"].user, obj)

    @staticmethod
    def resolve_area_name(obj: MonthlyList) -> str:
        return obj.area.name

    @staticmethod
    def resolve_status_label(obj: MonthlyList) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_tasks(obj: MonthlyList) -> int:
        # Counted by the selectors' annotation: one query for the whole list.
        count = getattr(obj, "task_count", None)
        live = obj.tasks.exclude(status=TaskStatus.CANCELLED)  # as the annotation counts
        return live.count() if count is None else int(count)


class TaskActionIn(Body):
    action: Annotated[str, one_of(TASK_TRANSITIONS)]
    note: str = ""  # cancel: the reason


class ListActionIn(Body):
    action: Annotated[str, one_of(LIST_TRANSITIONS)]
    note: str = ""  # return: the reason
    seen: Integer | None = Field(
        None, description="清单的 version；此后已被他人报审、退回或审批则 409 changed"
    )


class Kinded(Schema):
    """A resource's kind, with its Chinese label."""

    kind: str
    kind_label: str

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class Placed(Kinded):
    """A resource kept at an area: its path, and the area's code (as the creates take
    it) and name."""

    area_path: str
    area: str
    area_name: str

    @staticmethod
    def resolve_area(obj: Any) -> str:
        return str(obj.area.code)

    @staticmethod
    def resolve_area_name(obj: Any) -> str:
        return str(obj.area.name)


def _typed(text: str, context: Any) -> str:
    """Free text of the resource list (a team's leader, a unit's services, a skill): an ID
    or phone number typed into it is masked, as a unit's own contact phone is."""
    return shown_to(context["request"].user, None, text)


class UnitOut(Placed):
    kind: UnitKindValue
    id: int
    name: str
    contact_name: str
    contact_phone_masked: str
    services: str
    members: list[dict[str, Any]]  # the logins acting for the unit: {"id", "name"}
    # Registered on the street or district above the caller's scope: listed to aim tasks
    # at, read only, its members not listed.
    registered_above: bool = False

    @staticmethod
    def resolve_members(obj: PartnerUnit, context: Any) -> list[dict[str, Any]]:
        if selectors.registered_above(context["request"].user, obj):
            return []
        return [{"id": u.pk, "name": str(u)} for u in obj.members.all()]

    @staticmethod
    def resolve_registered_above(obj: PartnerUnit, context: Any) -> bool:
        return selectors.registered_above(context["request"].user, obj)

    @staticmethod
    def resolve_services(obj: PartnerUnit, context: Any) -> str:
        return _typed(obj.services, context)

    @staticmethod
    def resolve_contact_name(obj: PartnerUnit, context: Any) -> str:
        return _typed(obj.contact_name, context)


class UnitIn(Body):
    name: str
    kind: UnitKindValue
    area: str
    contact_name: str = ""
    contact_phone: str = ""
    services: str = ""


class TeamOut(Placed):
    kind: TeamKindValue
    id: int
    name: str
    leader: str
    size: int = 0  # all the members
    # The first selectors.TEAM_MEMBERS_SHOWN residents, longest-serving first: {"resident",
    # "name", "joined_at"}; all of them, paged, at GET /resources/teams/{id}/members.
    members: list[dict[str, Any]] = Field(
        description="前 20 名队员（按入队先后）；全部队员见 GET /resources/teams/{team_id}/members"
    )
    registered_above: bool = False  # as UnitOut's: read only, members not listed (``size`` is)

    @staticmethod
    def resolve_registered_above(obj: ServiceTeam, context: Any) -> bool:
        return selectors.registered_above(context["request"].user, obj)

    @staticmethod
    def resolve_members(obj: ServiceTeam, context: Any) -> list[dict[str, Any]]:
        if selectors.registered_above(context["request"].user, obj):
            return []  # residents outside the caller's scope
        return [
            {"resident": m.resident_id, "name": m.resident.name, "joined_at": m.joined_at.isoformat()}
            # ``shown`` is prefetched by selectors.teams; a team just registered has none.
            for m in getattr(obj, "shown", [])
        ]

    @staticmethod
    def resolve_leader(obj: ServiceTeam, context: Any) -> str:
        return _typed(obj.leader, context)


class TeamIn(Body):
    name: str
    kind: TeamKindValue
    area: str
    leader: str = ""


class TalentOut(Kinded):
    kind: TalentKindValue
    id: int
    resident: int
    resident_name: str
    trade: str
    field: str
    skill: str

    @staticmethod
    def resolve_resident(obj: Talent) -> int:
        return obj.resident_id

    @staticmethod
    def resolve_resident_name(obj: Talent) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_trade(obj: Talent, context: Any) -> str:
        return _typed(obj.trade, context)  # a number typed before they were refused here

    @staticmethod
    def resolve_field(obj: Talent, context: Any) -> str:
        return _typed(obj.field, context)

    @staticmethod
    def resolve_skill(obj: Talent, context: Any) -> str:
        return _typed(obj.skill, context)


class VenueOut(Placed):
    kind: VenueKindValue
    id: int
    name: str
    description: str
    capacity: int
    registered_above: bool = False  # as UnitOut's: listed below its area, read only

    @staticmethod
    def resolve_registered_above(obj: Venue, context: Any) -> bool:
        return selectors.registered_above(context["request"].user, obj)

    @staticmethod
    def resolve_description(obj: Any, context: Any) -> str:
        return _typed(obj.description, context)


class VenueIn(Body):
    name: str
    kind: VenueKindValue
    area: str
    description: str = ""
    capacity: Number = 1


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@router.get(
    "/tasks/", response=list[TaskOut], summary="任务列表（工作人员：管辖范围内全部；居民：可接的任务）"
)
@paginate(CappedPageNumberPagination, page_size=50)
def list_tasks(
    request: HttpRequest,
    category: str = one_of_query(Category.values),
    status: str = one_of_query(TaskStatus.values),
    area: str = "",
    q: str = "",
    monthly_list: int = 0,
) -> Any:
    # An id that names no list is said so, as a number too large is: it was answered with
    # an empty list, which reads as "this month's list has no tasks". List ids are shown
    # on the tasks themselves and in the notices, so saying one is unknown tells nothing.
    if not 0 <= monthly_list <= ID_MAX or (
        monthly_list and not MonthlyList.objects.filter(pk=monthly_list).exists()
    ):
        raise ValidationFailed({"monthly_list": "月度清单编号不存在"})
    choice("status", "任务状态", status, TaskStatus.values)
    choice("category", "任务类别", category, Category.values)
    if status and status != TaskStatus.PUBLISHED and not selectors.has_task_view(request.user):
        # A resident's list is the tasks they can claim: all published; say so, not an
        # answer that looks filtered.
        raise ValidationFailed({"status": "居民和共建单位只能看到可接单（published）的任务"})
    path = selectors.board_area(request.user, area) if area else ""
    found = selectors.board(
        request.user, category=category, status=status, area_path=path, q=q, monthly_list=monthly_list or None
    ).prefetch_related("attachments", "target_units", "target_teams", "target_talents__resident")
    return selectors.with_problem_followed(found, request.user)


@router.post("/tasks/", response={200: TaskOut, 201: TaskOut}, summary="新建任务（草稿；可由问题转为任务）")
def create_task(request: HttpRequest, payload: TaskIn) -> Any:
    data = services.TaskInput(
        **payload.dict() | {"deadline": _aware(payload.deadline)},
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    task, created = services.create_task(request.user, data, ip=client_ip(request))
    return Status(201 if created else 200, selectors.get_task(request.user, task.pk))


@router.put("/tasks/{task_id}", response=TaskOut, summary="修改任务（发布前）")
def update_task(request: HttpRequest, task_id: int, payload: TaskUpdateIn) -> Any:
    fields = payload.dict(exclude={"seen"})
    data = services.TaskInput(**fields | {"deadline": _aware(payload.deadline)})
    task = services.update_task(request.user, task_id, data, seen=payload.seen, ip=client_ip(request))
    return selectors.get_task(request.user, task.pk)


@router.get("/tasks/{task_id}", response=TaskOut, summary="任务详情")
def get_task(request: HttpRequest, task_id: int) -> Any:
    return selectors.get_task(request.user, task_id)


@router.post("/tasks/{task_id}/publish", response=TaskOut, summary="发布任务")
def publish_task(request: HttpRequest, task_id: int) -> Any:
    services.transition_task(request.user, task_id, "publish", ip=client_ip(request))
    return selectors.get_task(request.user, task_id)


@router.post(
    "/tasks/{task_id}/attachments",
    response=TaskOut,
    summary="添加任务附件（multipart：files）",
    openapi_extra=body_doc({}, required=["files"], files="files", json=False),
)
def add_attachments(request: HttpRequest, task_id: int) -> Any:
    """Up to 6 photos (JPEG/PNG/WebP) and one short video (MP4/MOV/WebM) under ``files``."""
    unread = unread_parts(request, (), "files")
    if unread:
        raise invalid(unread)
    services.add_attachments(request.user, task_id, request.FILES.getlist("files"), ip=client_ip(request))
    return selectors.get_task(request.user, task_id)


@router.post("/tasks/{task_id}/transitions", response=TaskOut, summary="结束或取消任务")
def task_transition(request: HttpRequest, task_id: int, payload: TaskActionIn) -> Any:
    services.transition_task(request.user, task_id, payload.action, payload.note, ip=client_ip(request))
    return selectors.get_task(request.user, task_id)


@router.post("/tasks/{task_id}/claims", response={200: ClaimOut, 201: ClaimOut}, summary="接单")
def claim_task(request: HttpRequest, task_id: int) -> Any:
    """201 with the new claim; 200 with the caller's live claim of the task when they
    already hold one (a retry whose first answer was lost), in whatever state it is."""
    claim, created = services.claim_task_once(request.user, task_id, ip=client_ip(request))
    return Status(201 if created else 200, selectors.get_claim(request.user, claim.pk))


@router.get(
    "/claims/",
    response=list[ClaimOut],
    summary="我的接单；queue=true：待我验收的凭证；task=<id>：该任务的接单情况",
)
@paginate(CappedPageNumberPagination, page_size=50)
def list_claims(
    request: HttpRequest,
    queue: bool = False,
    # open: not yet decided; todo: still the claimant's to act on (what the cap counts)
    status: str = one_of_query(["open", "todo", *ClaimStatus.values]),
    task: int = Query(
        0, description="任务编号：工作人员看该任务的全部接单（同任务页的接单情况），其他人看自己的"
    ),
) -> Any:
    choice("status", "接单状态", status, ["open", "todo", *ClaimStatus.values])
    if not 0 <= task <= ID_MAX:
        raise ValidationFailed({"task": "任务编号不存在"})
    if queue and status not in ("", ClaimStatus.SUBMITTED):
        raise ValidationFailed({"status": "待验收列表只有已提交凭证（submitted）的接单"})
    # A task the caller may not see is a 404, as GET /tasks/{id} answers.
    found = selectors.get_task(request.user, task) if task else None
    if queue:
        staff_only(request.user, Permission.TASK_ACCEPT, "只有网格员和社区工作人员可以验收任务")
        qs = selectors.acceptance_queue(request.user)
        qs = qs.filter(task=found) if found else qs
    elif found:
        qs = selectors.task_claims(request.user, found, status).select_related("task")
    else:
        qs = selectors.my_claims(request.user, status)
    return qs.select_related("unit").prefetch_related("proofs").annotate(newest_step=Max("events__id"))


@router.get("/claims/{claim_id}", response=ClaimDetailOut, summary="接单详情（含经过）")
def get_claim(request: HttpRequest, claim_id: int) -> Any:
    return selectors.get_claim(request.user, claim_id)


_SEEN = Query(None, description="接单的 version：此后凭证已被退回、重新提交等则 409 changed")


def _claim_action(
    request: HttpRequest, claim_id: int, action: str, note: str = "", files: Any = (), seen: int | None = None
) -> Any:
    services.transition_claim(
        request.user,
        claim_id,
        services.ClaimActionInput(action=action, note=note, files=list(files), seen=seen),
        ip=client_ip(request),
    )
    return selectors.get_claim(request.user, claim_id)


@router.post(
    "/claims/{claim_id}/proof",
    response=ClaimOut,
    summary="提交完成凭证（multipart：note 与 files）",
    openapi_extra=body_doc({"note": {"type": "string"}}, required=["files"], files="files", json=False),
)
def submit_proof(request: HttpRequest, claim_id: int) -> Any:
    """Form data: ``note`` and up to 6 photos (JPEG/PNG/WebP) and one short video
    (MP4/MOV/WebM) under ``files``; the type is read from the content."""
    unread = unread_parts(request, ("note",), "files")
    if unread:
        raise invalid(unread)
    return _claim_action(
        request, claim_id, "submit", request.POST.get("note", ""), request.FILES.getlist("files")
    )


@router.post("/claims/{claim_id}/accept", response=ClaimOut, summary="验收通过（发放积分）")
def accept_claim(request: HttpRequest, claim_id: int, seen: int | None = _SEEN) -> Any:
    return _claim_action(request, claim_id, "accept", seen=seen)


@router.post("/claims/{claim_id}/return", response=ClaimOut, summary="退回（需填写原因）")
def return_claim(request: HttpRequest, claim_id: int, payload: ReturnIn, seen: int | None = _SEEN) -> Any:
    return _with_reason(request, claim_id, "return", payload.reason, seen)


@router.post(
    "/claims/{claim_id}/release",
    response=ClaimOut,
    summary="释放名额（工作人员结束未交凭证的接单，需填写原因）",
)
def release_claim(request: HttpRequest, claim_id: int, payload: ReturnIn) -> Any:
    """A claim with no proof waiting (已接单 or 已退回) ended by the task's managers, so its
    place can be taken again; the claimant is told the reason. No points."""
    return _with_reason(request, claim_id, "release", payload.reason)


def _with_reason(
    request: HttpRequest, claim_id: int, action: str, reason: str, seen: int | None = None
) -> Any:
    try:
        return _claim_action(request, claim_id, action, reason, seen=seen)
    except ValidationFailed as exc:
        # The service calls the reason "note"; this client sent it as "reason".
        if "note" not in exc.fields:
            raise
        raise ValidationFailed({"reason" if k == "note" else k: v for k, v in exc.fields.items()}) from None


@router.post("/claims/{claim_id}/withdraw", response=ClaimOut, summary="撤回接单（提交凭证前）")
def withdraw_claim(request: HttpRequest, claim_id: int) -> Any:
    return _claim_action(request, claim_id, "withdraw")


@router.get("/monthly-lists/", response=list[MonthlyListOut], summary="月度任务清单")
@paginate(CappedPageNumberPagination, page_size=50)
def list_monthly(request: HttpRequest, status: str = one_of_query(ListStatus.values)) -> Any:
    staff_only(request.user, Permission.TASK_VIEW, "只有工作人员可以查看月度任务清单")
    choice("status", "清单状态", status, ListStatus.values)
    return selectors.monthly_lists(request.user, status)


@router.post("/monthly-lists/", response={201: MonthlyListOut}, summary="新建月度任务清单")
def create_monthly(request: HttpRequest, payload: MonthlyListIn) -> Any:
    found = services.create_monthly_list(request.user, payload.area, payload.month, payload.publish_on)
    return Status(201, selectors.get_monthly_list(request.user, found.pk))


class PublishDayIn(Body):
    publish_on: date


@router.patch("/monthly-lists/{list_id}", response=MonthlyListOut, summary="修改草稿清单的发布日期")
def publish_day(request: HttpRequest, list_id: int, payload: PublishDayIn) -> Any:
    services.set_publish_day(request.user, list_id, payload.publish_on, ip=client_ip(request))
    return selectors.get_monthly_list(request.user, list_id)


@router.post(
    "/monthly-lists/{list_id}/transitions", response=MonthlyListOut, summary="报审、审批、退回、发布"
)
def monthly_transition(request: HttpRequest, list_id: int, payload: ListActionIn) -> Any:
    services.transition_list(
        request.user, list_id, payload.action, payload.note, ip=client_ip(request), seen=payload.seen
    )
    return selectors.get_monthly_list(request.user, list_id)


class ListStepOut(Schema):
    at: datetime
    who: str
    step: str
    note: str
    expired: list[str]


@router.get(
    "/monthly-lists/{list_id}/history",
    response=list[ListStepOut],
    summary="月度清单审批记录（含历次退回原因）",
)
def monthly_history(request: HttpRequest, list_id: int) -> Any:
    found = selectors.get_monthly_list(request.user, list_id)
    return selectors.list_history(request.user, [found])[found.pk]


_SEARCH = Query("", max_length=50, description="按名称、技能、服务等搜索（不按电话或证件号码）")


def _resources(request: HttpRequest, q: str) -> str:
    """The search of a resource list, for staff who may read it (as /tasks/resources/)."""
    staff_only(request.user, Permission.RESOURCE_VIEW, "只有工作人员可以查看资源清单")
    return _searched(q)


def _searched(q: str) -> str:
    refusal = selectors.resource_query_error(q)
    if refusal:
        raise ValidationFailed({"q": refusal})
    return q


@router.get("/resources/units/", response=list[UnitOut], summary="资源清单：共建单位")
@paginate(CappedPageNumberPagination, page_size=50)
def list_units(request: HttpRequest, q: str = _SEARCH) -> Any:
    return selectors.units(request.user, _resources(request, q))


class UnitPatch(Body):
    contact_name: str | None = None
    contact_phone: str | None = Field(None, description="新电话；不传或为空则不改，“无”删除电话")
    services: str | None = None


@router.patch("/resources/units/{unit_id}", response=UnitOut, summary="修改共建单位联系人、电话、服务")
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Any:
    services.update_unit(
        request.user,
        unit_id,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        services_text=payload.services,
        ip=client_ip(request),
    )
    return selectors.units(request.user).get(pk=unit_id)


class TeamPatch(Body):
    leader: str


@router.patch("/resources/teams/{team_id}", response=TeamOut, summary="修改服务队队长")
def update_team(request: HttpRequest, team_id: int, payload: TeamPatch) -> Any:
    services.update_team(request.user, team_id, leader=payload.leader, ip=client_ip(request))
    return selectors.teams(request.user).get(pk=team_id)


class VenuePatch(Body):
    description: str | None = None
    capacity: Number | None = None


@router.patch("/resources/venues/{venue_id}", response=VenueOut, summary="修改场地设备的说明、容量")
def update_venue(request: HttpRequest, venue_id: int, payload: VenuePatch) -> Any:
    services.update_venue(
        request.user,
        venue_id,
        description=payload.description,
        capacity=payload.capacity,
        ip=client_ip(request),
    )
    return selectors.venues(request.user).get(pk=venue_id)


@router.delete("/resources/talents/{talent_id}", response={204: None}, summary="删除一条能人才人艺人登记")
def delete_talent(request: HttpRequest, talent_id: int) -> Any:
    services.remove_talent(request.user, talent_id, ip=client_ip(request))
    return Status(204, None)


@router.post("/resources/units/", response={201: UnitOut}, summary="登记共建单位")
def create_unit(request: HttpRequest, payload: UnitIn) -> Any:
    unit: PartnerUnit = services.add_unit(request.user, services.UnitInput(**payload.dict()))
    return Status(201, unit)


class UnitMemberIn(Body):
    username: str


class ReasonIn(Body):
    reason: str


class PhoneOut(Schema):
    phone: str


@router.post(
    "/resources/units/{unit_id}/contact-phone",
    response=PhoneOut,
    summary="查看共建单位联系人的完整电话（须填事由，记入审计）",
)
def unit_contact_phone(request: HttpRequest, unit_id: int, payload: ReasonIn) -> Any:
    return {
        "phone": services.unit_contact_phone(request.user, unit_id, payload.reason, ip=client_ip(request))
    }


@router.post("/resources/units/{unit_id}/members", response={201: UnitOut}, summary="共建单位添加成员")
def add_unit_member(request: HttpRequest, unit_id: int, payload: UnitMemberIn) -> Any:
    unit = services.add_unit_member_by_username(
        request.user, unit_id, payload.username, ip=client_ip(request)
    )
    return Status(201, unit)


@router.delete("/resources/units/{unit_id}/members/{user_id}", response=UnitOut, summary="共建单位移除成员")
def remove_unit_member(request: HttpRequest, unit_id: int, user_id: int) -> Any:
    services.remove_unit_member(request.user, unit_id, user_id, ip=client_ip(request))
    return selectors.units(request.user).get(pk=unit_id)


@router.get("/resources/teams/", response=list[TeamOut], summary="资源清单：服务队")
@paginate(CappedPageNumberPagination, page_size=50)
def list_teams(request: HttpRequest, q: str = _SEARCH) -> Any:
    return selectors.teams(request.user, _resources(request, q))


class TeamMemberOut(Schema):
    resident: int
    name: str
    joined_at: str

    @staticmethod
    def resolve_resident(obj: TeamMember) -> int:
        return obj.resident_id

    @staticmethod
    def resolve_name(obj: TeamMember) -> str:
        return obj.resident.name

    @staticmethod
    def resolve_joined_at(obj: TeamMember) -> str:
        return obj.joined_at.isoformat()


@router.get("/resources/teams/{team_id}/members", response=list[TeamMemberOut], summary="服务队的全部队员")
@paginate(CappedPageNumberPagination, page_size=50)
def list_team_members(request: HttpRequest, team_id: int) -> Any:
    """Longest-serving first. A team registered above the caller's scope is not found
    here: its members live outside that scope (its ``size`` is in the list of teams)."""
    return selectors.team_members(selectors.team_with_members(request.user, team_id))


@router.post("/resources/teams/", response={201: TeamOut}, summary="登记服务队")
def create_team(request: HttpRequest, payload: TeamIn) -> Any:
    team: ServiceTeam = services.add_team(
        request.user, payload.name, payload.kind, payload.area, payload.leader
    )
    return Status(201, team)


class TalentIn(Body):
    resident: Ref | None = None  # or, as on the page, the resident's full ID number:
    id_number: str = ""
    kind: TalentKindValue
    trade: str
    skill: str
    field: str = ""


class MemberIn(Body):
    resident: Ref | None = None
    id_number: str = ""


def _resident_of(request: HttpRequest, payload: TalentIn | MemberIn) -> int:
    """The resident named by id, or by a complete valid ID number (never a name prefix)."""
    if payload.resident is not None and not payload.id_number:
        return payload.resident
    return people_selectors.resident_by_id_number(request.user, payload.id_number)


@router.post("/resources/talents/", response={201: TalentOut}, summary="登记能人、才人、艺人")
def create_talent(request: HttpRequest, payload: TalentIn) -> Any:
    return Status(
        201,
        services.add_talent(
            request.user,
            _resident_of(request, payload),
            payload.kind,
            payload.trade,
            payload.skill,
            payload.field,
        ),
    )


@router.post("/resources/teams/{team_id}/members", response={201: TeamOut}, summary="服务队添加队员")
def add_member(request: HttpRequest, team_id: int, payload: MemberIn) -> Any:
    services.add_team_member(request.user, team_id, _resident_of(request, payload), ip=client_ip(request))
    return Status(201, selectors.teams(request.user).get(pk=team_id))


@router.delete("/resources/teams/{team_id}/members/{resident_id}", response=TeamOut, summary="服务队移除队员")
def remove_member(request: HttpRequest, team_id: int, resident_id: int) -> Any:
    services.remove_team_member(request.user, team_id, resident_id, ip=client_ip(request))
    return selectors.teams(request.user).get(pk=team_id)


@router.get("/resources/talents/", response=list[TalentOut], summary="资源清单：能人、才人、艺人")
@paginate(CappedPageNumberPagination, page_size=50)
def list_talents(request: HttpRequest, q: str = _SEARCH) -> Any:
    return selectors.talents(request.user, _resources(request, q))


@router.get("/resources/venues/", response=list[VenueOut], summary="资源清单：场地和设备")
@paginate(CappedPageNumberPagination, page_size=50)
def list_venues(request: HttpRequest, q: str = _SEARCH) -> Any:
    venues: Any = selectors.venues(request.user, _resources(request, q))
    return venues


@router.post("/resources/venues/", response={201: VenueOut}, summary="登记场地或设备")
def add_venue(request: HttpRequest, payload: VenueIn) -> Any:
    venue = services.add_venue(
        request.user, payload.name, payload.kind, payload.area, payload.description, payload.capacity
    )
    return Status(201, venue)
