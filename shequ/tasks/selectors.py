"""Reads of the task list and the resource list, always on behalf of a viewer."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from shequ.access.masking import mask_free_text, shown_to
from shequ.access.roles import Permission
from shequ.access.scope import assignments, can, scope_paths, scope_q
from shequ.areas.models import Area
from shequ.areas.paths import ancestors, codes
from shequ.areas.selectors import filter_path, get_area
from shequ.core.errors import NotFound
from shequ.tasks.models import (
    OPEN_CLAIM_STATUSES,
    TO_DO_CLAIM_STATUSES,
    Audience,
    Claim,
    ClaimEvent,
    ClaimStatus,
    ListStatus,
    MonthlyList,
    PartnerUnit,
    ServiceTeam,
    Talent,
    Task,
    TaskStatus,
    TeamMember,
    Venue,
)


def community_of(path: str) -> str:
    parts = codes(path)
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else ""


def claimer_communities(viewer: Any) -> list[str]:
    """The communities whose public tasks the viewer may claim (where they live or serve)."""
    from shequ.access.roles import GRANTS

    found = {
        community_of(path)
        for role, path in assignments(viewer)
        if Permission.TASK_CLAIM in GRANTS.get(role, ()) and len(codes(path)) >= 2
    }
    return sorted(found)


PUBLIC_CLAIM_REFUSED = (
    "公开任务面向本社区的居民和党员，不能以个人名义接单；共建单位请承接派给本单位的定向任务"
)


def resident_communities(viewer: Any) -> list[str]:
    """The communities where the viewer lives (their household in the registry, or a
    resident's role on a household), and those they report to as a party member (双报到,
    "亮身份、领任务"): the public tasks they may claim as a private person."""
    from shequ.access.roles import Role
    from shequ.party.selectors import reporting_communities

    held = assignments(viewer)
    found = {community_of(path) for role, path in held if role == Role.RESIDENT}
    resident = getattr(viewer, "resident", None) if getattr(viewer, "resident_id", None) else None
    # The registry record counts for a login that still holds a role (a staff member who
    # lives here); one whose roles were all revoked claims nothing (it acts as it is now).
    if resident is not None and held:
        found.add(community_of(resident.area_path))
    if held:
        found.update(reporting_communities(viewer))
    return sorted(c for c in found if c)


def public_claim_refusal(viewer: Any, task: Task) -> str:
    """Why the viewer, who sees this public task (a partner unit's login in its community),
    may not claim it; "" when they may or the task is not public."""
    if task.audience != Audience.PUBLIC or task.community_path in resident_communities(viewer):
        return ""
    return PUBLIC_CLAIM_REFUSED if task.community_path in claimer_communities(viewer) else ""


def viewer_units(viewer: Any) -> list[int]:
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(PartnerUnit.objects.filter(members=viewer).values_list("pk", flat=True))


def own_units(viewer: Any) -> QuerySet[PartnerUnit]:
    """The partner units the viewer acts for (a member of), with what each offers."""
    if not getattr(viewer, "is_authenticated", False):
        return PartnerUnit.objects.none()
    return PartnerUnit.objects.filter(members=viewer).select_related("area").order_by("name", "pk")


def own_unit(viewer: Any, unit_id: int) -> PartnerUnit:
    """One of the viewer's own units; any other is the same 404."""
    unit = own_units(viewer).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("共建单位")
    return unit


def viewer_teams(viewer: Any) -> list[int]:
    resident_id = getattr(viewer, "resident_id", None)
    if not resident_id:
        return []
    return list(ServiceTeam.objects.filter(members__resident_id=resident_id).values_list("pk", flat=True))


def open_to(viewer: Any) -> Q:
    """Published tasks the viewer may claim: public ones of their communities, and those
    aimed at their unit, their service team or them as a registered skilled resident."""
    q = Q(pk__in=[])
    if not assignments(viewer):
        return q  # every role revoked: not a resident, a unit member nor a team member now
    # Where they serve (a unit's login sees its community's public tasks, told it may not
    # claim them) and where they live: a staff login linked to its owner's registry record
    # claims there as any resident, also outside the area it works in.
    communities = sorted({*claimer_communities(viewer), *resident_communities(viewer)})
    if communities:
        q |= Q(audience=Audience.PUBLIC, community_path__in=communities)
    units, teams = viewer_units(viewer), viewer_teams(viewer)
    if units:
        q |= Q(audience=Audience.TARGETED, target_units__in=units)
    if teams:
        q |= Q(audience=Audience.TARGETED, target_teams__in=teams)
    resident_id = getattr(viewer, "resident_id", None)
    if resident_id:
        q |= Q(audience=Audience.TARGETED, target_talents__resident_id=resident_id)
    return q


def board(
    viewer: Any,
    *,
    category: str = "",
    status: str = "",
    area_path: str = "",
    q: str = "",
    monthly_list: int | None = None,
) -> QuerySet[Task]:
    """Staff see every task in their scope (``monthly_list``: the tasks of one monthly
    list, e.g. the one the street is asked to approve); everyone else the published
    tasks open to them."""
    staff = has_task_view(viewer)
    if staff:
        scope = scope_q(viewer, Permission.TASK_VIEW, "area_path")
        homes = resident_communities(viewer)
        if homes:
            # A staff member who lives in a community finds its public tasks to claim, as
            # any resident, also where they do not work (a grid worker's home grid).
            scope |= Q(status=TaskStatus.PUBLISHED, audience=Audience.PUBLIC, community_path__in=homes)
        qs = Task.objects.filter(scope | _set_above(viewer))
        if status:
            qs = qs.filter(status=status)
        if monthly_list:
            qs = qs.filter(monthly_list_id=monthly_list)
            if not status:
                # As the list counts its tasks (and submits them): cancelled ones are
                # listed when 已取消 is chosen.
                qs = qs.exclude(status=TaskStatus.CANCELLED)
    else:
        # Only what can still be claimed: before its deadline, with a place left, and by
        # this person (a partner unit's login sees its community's public tasks but
        # claims only those aimed at its unit).
        ids = (
            Task.objects.filter(
                open_to(viewer),
                status=TaskStatus.PUBLISHED,
                deadline__gt=timezone.now(),
                filled__lt=F("places"),
            )
            .exclude(Q(audience=Audience.PUBLIC) & ~Q(community_path__in=resident_communities(viewer)))
            .values("pk")
        )
        qs = Task.objects.filter(pk__in=ids)
        if monthly_list:
            qs = qs.filter(monthly_list_id=monthly_list)
    # Staff read their drafts too, newest first; a resident reads what was published last
    # first: a monthly list's routine tasks, drafted in the days before it went out, came
    # below the ad-hoc tasks published meanwhile on the day the list was announced.
    order = ("-created_at", "-id") if staff else ("-published_at", "-id")
    if category:
        qs = qs.filter(category=category)
    if area_path:
        qs = qs.under(area_path)
    # As typed on a phone (a space picked up, full-width digits and letters from a Chinese
    # input method): as typed and as NFKC reads it, on the page and the API alike.
    typed = q.strip()
    if typed:
        read = unicodedata.normalize("NFKC", typed)
        qs = qs.filter(Q(title__icontains=typed) | Q(title__icontains=read))
    return with_my_claim(qs, viewer).select_related("area").order_by(*order)


def with_my_claim(qs: QuerySet[Task], viewer: Any) -> QuerySet[Task]:
    """Each task with the viewer's own live claim of it (``my_claim``, its status, shown
    instead of offering the task again) and whether its award was reversed (冲正,
    ``my_claim_reversed``: not a plain 已验收), read in the list's own query."""
    own = Claim.objects.filter(task=OuterRef("pk"), user_id=viewer.pk).exclude(status=ClaimStatus.WITHDRAWN)
    undone = _reversals().filter(reverses__award__task=OuterRef("pk"), reverses__award__user_id=viewer.pk)
    return qs.annotate(my_claim=Subquery(own.values("status")[:1]), my_claim_reversed=Exists(undone))


def board_area(viewer: Any, code: str) -> str:
    """The path of the board's area filter (the page's and the API's). Staff name an area
    in their scope (else the 404 rule), or in the community they live in, whose public
    tasks their list has beside their work's; a resident or a unit, who hold no area
    scope, narrow the tasks open to them to any place (a division code is public, and the
    tasks are those they see anyway)."""
    if not has_task_view(viewer):
        return filter_path(code)
    try:
        return get_area(viewer, code).path
    except NotFound:
        path = Area.objects.filter(code=code).values_list("path", flat=True).first()
        if path and any(path.startswith(home) for home in resident_communities(viewer)):
            return path
        raise


def has_task_view(viewer: Any) -> bool:
    from shequ.access.scope import has_anywhere

    return has_anywhere(viewer, Permission.TASK_VIEW)


def _above(viewer: Any) -> set[str]:
    """The places above those where the viewer holds task.view (a grid worker's community
    and street)."""
    return {a for path in scope_paths(viewer, Permission.TASK_VIEW) for a in ancestors(path)[:-1]}


def _set_above(viewer: Any) -> Q:
    """Published public tasks set for a whole place above where a staff member works (the
    community's, for its grid workers): on their board to read and to point residents to,
    as their residents' claims of them come to them for acceptance; run by the staff of
    that place."""
    above = _above(viewer)
    if not above:
        return Q(pk__in=[])
    return Q(status=TaskStatus.PUBLISHED, audience=Audience.PUBLIC, area_path__in=above)


def may_see_task(viewer: Any, task: Task) -> bool:
    return task.pk in _seen_among(viewer, [task])


def _seen_among(viewer: Any, tasks: list[Task]) -> set[int]:
    """The ids of those of ``tasks`` the viewer may open, read for all of them at once."""
    if not tasks or not getattr(viewer, "is_authenticated", False):
        return set()
    above = _above(viewer)
    seen = {
        t.pk
        for t in tasks
        if can(viewer, Permission.TASK_VIEW, t.area_path)
        or (t.status == TaskStatus.PUBLISHED and t.audience == Audience.PUBLIC and t.area_path in above)
    }
    published = [t.pk for t in tasks if t.pk not in seen and t.status == TaskStatus.PUBLISHED]
    if published:
        seen |= set(Task.objects.filter(open_to(viewer), pk__in=published).values_list("pk", flat=True))
    # The claimant, and the grid worker who accepts a claim from their grid of a task set
    # for the whole community.
    rest = [t.pk for t in tasks if t.pk not in seen]
    if rest:
        seen |= set(
            Claim.objects.filter(
                Q(user_id=viewer.pk) | scope_q(viewer, Permission.TASK_VIEW, "area_path"), task_id__in=rest
            ).values_list("task_id", flat=True)
        )
    return seen


def tasks_made_from(viewer: Any, problem_id: int) -> list[Task]:
    """The tasks made from a problem (转为任务) that the viewer may open, oldest first: the
    problem's side of the link, under the same rule as the task's own page."""
    made = list(Task.objects.filter(problem_id=problem_id).order_by("pk"))
    seen = _seen_among(viewer, made)
    return [t for t in made if t.pk in seen]


def tasks_from_problem(viewer: Any, problem_id: int) -> list[int]:
    """The ids of ``tasks_made_from``, as the problem's API names them."""
    return [t.pk for t in tasks_made_from(viewer, problem_id)]


def with_problem_followed(qs: QuerySet[Task], viewer: Any) -> QuerySet[Task]:
    """A list of tasks, each with whether the viewer follows the problem it was made from
    (read for the whole list, for ``shown_problem``)."""
    from shequ.problems.models import Problem

    follows = Problem.followers.through.objects.filter(problem_id=OuterRef("problem_id"), user_id=viewer.pk)
    # The monthly list too: allowed_actions asks whether the street holds a draft's list.
    return qs.select_related("problem", "monthly_list").annotate(problem_followed=Exists(follows))


def shown_problem(viewer: Any, task: Task) -> int | None:
    """来源问题 as the task page links it: the problem the task was made from, for who may
    open it (``problems.selectors.may_see``), else None. A public task reaches every
    resident of the community and the units it is aimed at; the problem may be a
    neighbour's 民意直通车 report, none of theirs to know of."""
    from shequ.problems.selectors import may_see

    if task.problem_id is None or task.problem is None:
        return None
    followed = getattr(task, "problem_followed", None)
    known = None if followed is None else ({task.problem_id} if followed else set())
    return task.problem_id if may_see(viewer, task.problem, known) else None


def edit_version(task: Task) -> str:
    """A digest of what the task editor changes: the editor's form carries it, so a save
    from a page opened before a colleague's is refused rather than writing over theirs."""
    units = sorted(u.pk for u in task.target_units.all())  # prefetched in lists
    teams = sorted(t.pk for t in task.target_teams.all())
    talents = sorted(t.pk for t in task.target_talents.all())
    what = [
        task.title,
        task.description,
        task.category,
        task.difficulty,
        task.places,
        task.deadline.isoformat(),
        task.audience,
        task.monthly_list_id,
        task.area_id,
        units,
        teams,
        *([talents] if talents else []),  # absent, as before talents could be targeted
    ]
    return hashlib.sha256(repr(what).encode()).hexdigest()[:16]


def talent_labels(viewer: Any, task: Task) -> list[str]:
    """The skilled residents a task is aimed at, "name（trade）": in full for staff over
    the task, the name masked (张*) for the others who see it (a team's members, a unit)."""
    from shequ.access.masking import mask_name

    staff = can(viewer, Permission.TASK_VIEW, task.area_path)
    return [
        # A trade written before numbers were refused there is shown masked, as a skill is.
        f"{t.resident.name if staff else mask_name(t.resident.name)}（{mask_free_text(t.trade)}）"
        for t in task.target_talents.all()  # prefetched in lists
    ]


def unreachable_targets(task: Task) -> list[str]:
    """The targets of a targeted task nobody can claim for: a unit with no active member,
    a team none of whose members has an active login, a skilled resident with none. Told
    to staff on the task's page: such a task was published and sat unclaimed."""
    if task.audience != Audience.TARGETED:
        return []
    units = task.target_units.exclude(members__is_active=True).values_list("name", flat=True)
    teams = task.target_teams.exclude(members__resident__user__is_active=True).values_list("name", flat=True)
    talents = task.target_talents.exclude(resident__user__is_active=True).select_related("resident")
    return [*units, *teams, *(f"{t.resident.name}（{mask_free_text(t.trade)}）" for t in talents)]


def get_task(viewer: Any, task_id: int) -> Task:
    # The skilled residents aimed at are read with their names at once (talent_labels).
    talents = Prefetch("target_talents", queryset=Talent.objects.select_related("resident"))
    task = (
        Task.objects.filter(pk=task_id)
        .select_related("area", "problem", "monthly_list")
        .prefetch_related(talents)
        .first()
    )
    if task is None or not may_see_task(viewer, task):
        raise NotFound("任务")
    return task


def claim_unit(viewer: Any, task: Task) -> tuple[bool, PartnerUnit | None]:
    """(may claim, the unit claimed for) under the task's audience."""
    if task.audience == Audience.PUBLIC:
        # As a private person: a resident of the task's community, never a unit's login.
        return task.community_path in resident_communities(viewer), None
    unit = task.target_units.filter(members=viewer).first()
    if unit is not None:
        return True, unit
    resident_id = getattr(viewer, "resident_id", None)
    if resident_id and (
        task.target_teams.filter(members__resident_id=resident_id).exists()
        or task.target_talents.filter(resident_id=resident_id).exists()
    ):
        return True, None  # as a person: the points go to their own account
    return False, None


def _in_status(qs: QuerySet[Claim], status: str) -> QuerySet[Claim]:
    """``status`` a claim status, "open": not yet decided, or "todo": still the
    claimant's to act on (what the cap counts)."""
    if status == "open":
        return qs.filter(status__in=OPEN_CLAIM_STATUSES)
    if status == "todo":
        return qs.filter(status__in=TO_DO_CLAIM_STATUSES)
    return qs.filter(status=status) if status else qs


def my_claims(viewer: Any, status: str = "") -> QuerySet[Claim]:
    qs = with_reversal(_in_status(Claim.objects.filter(user_id=viewer.pk), status))
    return qs.select_related("task", "task__area", "user").order_by("-claimed_at", "-id")


def live_claim(viewer: Any, task_id: int) -> Claim | None:
    """The viewer's own claim of the task, unless withdrawn (what blocks a second 接单)."""
    return (
        Claim.objects.filter(task_id=task_id, user_id=viewer.pk).exclude(status=ClaimStatus.WITHDRAWN).first()
    )


def open_claim_count(viewer: Any) -> int:
    """What the cap counts (the service, under its lock, and the page before the tap):
    the viewer's claims still to act on; a proof waiting for acceptance does not count."""
    return Claim.objects.filter(user_id=viewer.pk, status__in=TO_DO_CLAIM_STATUSES).count()


def claim_load(viewer: Any) -> dict[str, int]:
    """What the pages show by the cap, in one query: ``held`` (进行中, as the cap counts
    them) and ``waiting`` (待验收, not counted)."""
    return Claim.objects.filter(user_id=viewer.pk, status__in=OPEN_CLAIM_STATUSES).aggregate(
        held=Count("pk", filter=Q(status__in=TO_DO_CLAIM_STATUSES)),
        waiting=Count("pk", filter=Q(status=ClaimStatus.SUBMITTED)),
    )


def acceptance_queue(viewer: Any) -> QuerySet[Claim]:
    """Proof waiting for acceptance in the places the viewer accepts for, but their own
    (a staff member who lives in the community claims as a resident; a colleague accepts)."""
    return (
        Claim.objects.filter(
            scope_q(viewer, Permission.TASK_ACCEPT, "area_path"), status=ClaimStatus.SUBMITTED
        )
        .exclude(user_id=viewer.pk)
        .select_related("task", "user", "unit")  # a unit's proof is named with its unit
        .order_by("submitted_at", "id")
    )


def task_claims(viewer: Any, task: Task, status: str = "") -> QuerySet[Claim]:
    """Every claim of the task for staff over it (接单情况); for staff below it (the grid
    worker of a community's task) the claims kept in their scope, which they open and
    accept as ``get_claim`` allows; anyone else their own."""
    if can(viewer, Permission.TASK_VIEW, task.area_path):
        qs = task.claims.all()
    else:
        qs = task.claims.filter(Q(user_id=viewer.pk) | scope_q(viewer, Permission.TASK_VIEW, "area_path"))
    listed = with_reversal(_in_status(qs, status))
    return listed.select_related("user", "unit").order_by("claimed_at", "id")


def acts_for_claim(viewer: Any, claim: Claim) -> bool:
    """Whether the viewer holds ``claim`` as its claimant: the person who took it, or, for
    a unit's claim, any member of the unit now (the unit holds one claim of a task, so a
    colleague finishes the work of one who is away, sends its proof or gives it back)."""
    if claim.user_id == viewer.pk:
        return True
    unit_id = claim.unit_id
    if unit_id is None:
        return False
    return PartnerUnit.members.through.objects.filter(partnerunit_id=unit_id, user_id=viewer.pk).exists()


def unit_held_claim(viewer: Any, task: Task, unit: PartnerUnit | None) -> Claim | None:
    """The live claim of ``task`` a colleague holds for ``unit`` (the viewer's unit), which
    the viewer may finish in their stead; None when there is none or it is their own."""
    if unit is None or not getattr(viewer, "is_authenticated", False):
        return None
    return (
        Claim.objects.filter(task=task, unit=unit)
        .exclude(status=ClaimStatus.WITHDRAWN)
        .exclude(user_id=viewer.pk)
        .select_related("user")
        .first()
    )


def get_claim(viewer: Any, claim_id: int) -> Claim:
    found = with_reversal(Claim.objects.filter(pk=claim_id))
    claim = found.select_related("task", "user", "unit", "task__area").first()
    if claim is None or not (
        acts_for_claim(viewer, claim) or can(viewer, Permission.TASK_VIEW, claim.area_path)
    ):
        raise NotFound("接单记录")
    return claim


def claim_timeline(viewer: Any, claim: Claim) -> list[ClaimEvent]:
    """The claim's steps, oldest first (经过), each with the proof sent at it (earlier,
    returned ones too); numbers typed into a note masked for all but its writer."""
    events = list(claim.events.select_related("actor").prefetch_related("proofs"))
    for e in events:
        e.note = shown_to(viewer, e.actor_id, e.note)
    return events


def monthly_lists(viewer: Any, status: str = "") -> QuerySet[MonthlyList]:
    """The lists the viewer sees; ``status`` (when given) keeps those in that state, e.g.
    a street's 待审批 (submitted) across its communities."""
    found = MonthlyList.objects.visible_to(viewer)
    if status:
        found = found.filter(status=status)
    return (
        found.select_related("area")
        .defer("area__geometry")
        .annotate(task_count=_listed_tasks(), review_steps=_review_steps(), returned_by_id=_returned_by())
        .order_by("-month", "area_path")
    )


def _listed_tasks() -> Any:
    """A list's task count: a cancelled task is no longer part of the month's work (nor
    does submitting count it: "清单里还没有任务")."""
    return Count("tasks", filter=~Q(tasks__status=TaskStatus.CANCELLED))


def _returned_by() -> Any:
    """Who wrote the list's last return reason (the audit row of its 退回修改)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from shequ.access.models import AuditEvent

    returns = AuditEvent.objects.filter(
        object_type="monthlylist", object_id=Cast(OuterRef("pk"), CharField()), event="task.list_return"
    )
    return Subquery(returns.order_by("-id").values("actor_id")[:1])


def return_reason_shown(viewer: Any, found: MonthlyList) -> str:
    """The street's reason, only while the list is back with the community (one submitted
    again waits for approval: its reasons stay in the history). As every note, in full to
    whoever wrote it and with the numbers typed into it masked for everyone else."""
    if found.status != ListStatus.DRAFT:
        return ""
    return shown_to(viewer, getattr(found, "returned_by_id", None), found.return_reason)


def _review_steps() -> Any:
    from django.db.models import CharField
    from django.db.models.functions import Cast, Coalesce

    from shequ.access.models import AuditEvent

    steps = (
        AuditEvent.objects.filter(
            object_type="monthlylist", object_id=Cast(OuterRef("pk"), CharField()), event__in=_LIST_STEPS
        )
        .order_by()
        .values("object_type")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(steps), 0)


def list_version(found: MonthlyList) -> int:
    """How many review steps a list has had (its history's length): what a page or client
    sends back as ``seen`` with a step, so one taken on a list changed since is refused."""
    annotated = getattr(found, "review_steps", None)
    if annotated is not None:
        return int(annotated)
    from shequ.access.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type="monthlylist", object_id=str(found.pk), event__in=_LIST_STEPS
    ).count()


def claim_version(claim: Claim) -> int:
    """The id of the claim's newest step, sent back as ``seen`` with 验收 or 退回."""
    annotated = getattr(claim, "newest_step", None)
    if annotated is not None:
        return int(annotated)
    return claim.events.order_by("-id").values_list("id", flat=True).first() or 0


def get_monthly_list(viewer: Any, list_id: int) -> MonthlyList:
    found = (
        MonthlyList.objects.visible_to(viewer)
        .filter(pk=list_id)
        .select_related("area")
        .annotate(task_count=_listed_tasks(), returned_by_id=_returned_by())
        .first()
    )
    if found is None:
        raise NotFound("月度任务清单")
    return found


# A monthly list's history as its page tells it, from the audit rows its services write.
_LIST_STEPS = {
    "task.list_create": "新建",
    "task.list_publish_on": "改发布日",
    "task.list_submit": "报街道审批",
    "task.list_return": "退回修改",
    "task.list_approve": "审批通过",
    "task.list_publish": "发布",
}


def list_history(viewer: Any, lists: list[MonthlyList]) -> dict[int, list[dict[str, Any]]]:
    """Who drew up, moved, submitted, returned, approved and published each list, oldest
    first, with every return's reason (the list itself keeps only the last one). Numbers
    typed into a reason are masked for everyone but its writer."""
    from shequ.access.models import AuditEvent, User

    ids = {str(m.pk): m.pk for m in lists}
    rows = list(
        AuditEvent.objects.filter(object_type="monthlylist", object_id__in=list(ids), event__in=_LIST_STEPS)
        .only("at", "actor_id", "event", "object_id", "detail")
        .order_by("id")
    )
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={r.actor_id for r in rows if r.actor_id})}
    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids.values()}
    for r in rows:
        detail = r.detail or {}
        step = _LIST_STEPS[r.event]
        if r.event == "task.list_approve" and detail.get("published"):
            step = "审批通过并发布"
        elif r.event == "task.list_publish" and detail.get("by") == "job":
            step = "到发布日自动发布"
        said = ""
        if r.event == "task.list_publish_on":
            said = f"{detail.get('from', '')} → {detail.get('to', '')}"
        elif detail.get("note"):
            said = shown_to(viewer, r.actor_id, str(detail["note"]))
        out[ids[r.object_id]].append(
            {
                "at": r.at,
                "who": names.get(r.actor_id, "系统") if r.actor_id else "系统",
                "step": step,
                "note": said,
                "expired": detail.get("expired") or [],
            }
        )
    return out


def list_actions(viewer: Any, found: MonthlyList) -> list[tuple[str, str]]:
    """The transitions the viewer may take on a monthly list now (none once published;
    an approved list is published by hand only from its publish day on, as the service
    refuses it before)."""
    from shequ.tasks.lifecycle import LIST_TRANSITIONS

    return [
        (a, t.label)
        for a, t in LIST_TRANSITIONS.items()
        if found.status in t.sources
        and any(can(viewer, p, found.area_path) for p in t.permissions)
        and not (a == "publish" and found.publish_on > timezone.localdate())
        and not (a == "approve" and found.created_by_id == getattr(viewer, "pk", None))  # not one's own
        and not (a in ("submit", "approve") and month_over(found))  # the street may still return it
    ]


def month_over(found: MonthlyList) -> str:
    """ "YYYY年M月已经过去" once the list's month has ended (it is no longer submitted or
    approved: its tasks go to this month's list or become ad-hoc), else ""."""
    year, number = int(found.month[:4]), int(found.month[4:])
    if date(year + number // 12, number % 12 + 1, 1) > timezone.localdate():
        return ""
    return f"{year}年{number}月已经过去"


def resource_query_error(q: str) -> str:
    """Why a resource search is refused, or "": the texts searched may hold phone numbers,
    shown masked, and a search by digits would tell the hidden ones one guess at a time."""
    if sum(ch.isdigit() for ch in unicodedata.normalize("NFKC", q)) >= 4:
        return "资源清单按名称、技能或服务搜索，不能按电话或证件号码搜索"
    return ""


# Every character a number hidden by mask_free_text may hold, typed or masked.
_IN_NUMBERS = frozenset("0123456789*-+().Xx\u3000０１２３４５６７８９＋（）－Ｘｘ")


def _matching(
    rows: QuerySet[Any], q: str, fields: tuple[str, ...], shown: tuple[str, ...] = ()
) -> QuerySet[Any]:
    """``fields`` are shown as stored and searched so; ``shown`` are free text shown with
    its phone and ID numbers masked, and searched as shown: a hidden digit never decides
    whether a row is found (else "38"+d, ten guesses a digit, reads a masked phone)."""
    q = unicodedata.normalize("NFKC", q).strip()[:50]
    if not q or resource_query_error(q):
        return rows
    match = Q()
    for name in fields:
        match |= Q(**{f"{name}__icontains": q})
    if shown:
        match |= Q(pk__in=_found_as_shown(rows, q, shown))
    return rows.filter(match)


def _found_as_shown(rows: QuerySet[Any], q: str, shown: tuple[str, ...]) -> list[int]:
    """The rows whose ``shown`` texts, masked, hold ``q``. Read in Python over the viewer's
    scope (one community's or street's list); narrowed first in SQL by a character of
    ``q`` that no number holds, which the text then holds as shown too."""
    candidates = rows.order_by().prefetch_related(None)
    safe = next((ch for ch in q if not ch.isdigit() and not ch.isspace() and ch not in _IN_NUMBERS), "")
    if safe:
        narrow = Q()
        for name in shown:
            narrow |= Q(**{f"{name}__icontains": safe})
        candidates = candidates.filter(narrow)
    needle = q.lower()
    return [
        pk
        for pk, *texts in candidates.values_list("pk", *shown)
        if any(needle in unicodedata.normalize("NFKC", mask_free_text(t or "")).lower() for t in texts)
    ]


def targetable(model: type[PartnerUnit] | type[ServiceTeam] | type[Venue], viewer: Any) -> QuerySet[Any]:
    """The partner units or service teams the viewer may list and aim tasks at: those in
    their resource.view scope, and those registered on an area above it. A street's or
    district's department (环卫所, 供电所) serves every community under it (seed 004: 由社区
    联系相关部门), and registering it once per community made copies. Those above are read
    only here: editing, members and the full phone stay with whose scope covers them (the
    services look them up with ``visible_to``), as store items of the street are offered
    to its communities (``ancestors``). Venues are listed the same way: a community's
    活动室 is booked by its grid workers."""
    paths = scope_paths(viewer, Permission.RESOURCE_VIEW)
    above = sorted({p for path in paths for p in ancestors(path)} - set(paths))
    return model.objects.filter(scope_q(viewer, Permission.RESOURCE_VIEW) | Q(area_path__in=above))


def registered_above(viewer: Any, row: PartnerUnit | ServiceTeam | Venue) -> bool:
    """A unit, team or venue listed by ``targetable`` from above the viewer's scope: its
    members (people outside that scope) are not listed to them."""
    return not can(viewer, Permission.RESOURCE_VIEW, row.area_path)


def units(viewer: Any, q: str = "") -> QuerySet[PartnerUnit]:
    """The partner units in scope or above it (``targetable``), each with the logins that
    act for it."""
    rows = targetable(PartnerUnit, viewer).select_related("area").prefetch_related("members")
    return _matching(rows, q, ("name",), shown=("contact_name", "services"))


# The members a team's row lists on the 服务队 tab and in the API's list of teams: a
# patrol of 1,700 made the tab 1.15 MB. All of them are paged by ``team_members``.
TEAM_MEMBERS_SHOWN = 20


def _members() -> QuerySet[TeamMember]:
    """A team's members, longest-serving first, with only the resident's name read (not
    their encrypted numbers)."""
    return (
        TeamMember.objects.select_related("resident")
        .only("team_id", "resident_id", "joined_at", "resident__name")
        .order_by("joined_at", "id")
    )


def teams(viewer: Any, q: str = "") -> QuerySet[ServiceTeam]:
    """The service teams in scope or above it (``targetable``), each with its ``size`` and
    its first TEAM_MEMBERS_SHOWN members (residents), longest-serving first, as ``shown``
    (a sliced prefetch must go to an attribute of its own)."""
    from django.db.models import Prefetch

    rows = _matching(targetable(ServiceTeam, viewer), q, ("name",), shown=("leader",))
    return (
        rows.select_related("area")
        .annotate(size=Count("members"))
        .prefetch_related(Prefetch("members", queryset=_members()[:TEAM_MEMBERS_SHOWN], to_attr="shown"))
        .order_by("area_path", "name")  # Meta.ordering does not apply to a grouped query
    )


def team_choices(viewer: Any) -> QuerySet[ServiceTeam]:
    """The teams a task may be aimed at, for the editor's list: names and places only."""
    return (
        targetable(ServiceTeam, viewer)
        .select_related("area")
        .only("name", "area_path", "area__name")
        .order_by("area_path", "name")
    )


def team_with_members(viewer: Any, team_id: int) -> ServiceTeam:
    """A team whose members the viewer may list (resource.view where it is registered:
    not a team listed from above, whose members live outside their scope), or NotFound."""
    team = (
        ServiceTeam.objects.visible_to(viewer, Permission.RESOURCE_VIEW)
        .select_related("area")
        .annotate(size=Count("members"))
        .filter(pk=team_id)
        .first()
    )
    if team is None:
        raise NotFound("服务队")
    return team


def team_members(team: ServiceTeam) -> QuerySet[TeamMember]:
    """All of a team's members, longest-serving first, to be paged."""
    return _members().filter(team=team)


def talents(viewer: Any, q: str = "") -> QuerySet[Talent]:
    """The skills registry; a search finds a skill, trade or field (找电工) or a name, also
    by its pinyin or initials."""
    rows = Talent.objects.visible_to(viewer).select_related("resident")
    # A trade or field may hold a number typed before numbers were refused there.
    found = _matching(rows, q, ("resident__name",), shown=("trade", "field", "skill"))
    letters = "".join(unicodedata.normalize("NFKC", q).split())
    if not (letters.isascii() and letters.isalpha()):
        return found
    # Pinyin or its initials (zhangsan, zs) find a name as the register's search does.
    from shequ.people.models import Resident
    from shequ.people.selectors import search

    named = search(Resident.objects.filter(pk__in=rows.values("resident_id")), letters)
    return rows.filter(Q(pk__in=found.values("pk")) | Q(resident__in=named.order_by().values("pk")))


def venues(viewer: Any, q: str = "") -> QuerySet[Venue]:
    """The venues and equipment in scope or above it (``targetable``)."""
    rows = targetable(Venue, viewer).select_related("area")
    return _matching(rows, q, ("name",), shown=("description",))


def may_act_on_claim(viewer: Any, claim: Claim, action: str) -> bool:
    from shequ.tasks.lifecycle import CLAIM_TRANSITIONS, CLAIMANT

    rule = CLAIM_TRANSITIONS[action]
    if claim.status not in rule.sources:
        return False
    for perm in rule.permissions:
        if perm == CLAIMANT and acts_for_claim(viewer, claim):
            return True
        if perm != CLAIMANT and claim.user_id != viewer.pk and can(viewer, perm, claim.area_path):
            return True
    return False


def claim_actions(viewer: Any, claim: Claim) -> list[tuple[str, str]]:
    from shequ.tasks.lifecycle import CLAIM_TRANSITIONS

    return [(a, t.label) for a, t in CLAIM_TRANSITIONS.items() if may_act_on_claim(viewer, claim, a)]


def return_ends_claim(claim: Claim) -> str:
    """Why 退回 would end ``claim`` (withdrawn, no points) instead of asking for another
    proof, or "": nobody could send one — the task has ended, the claimant's account is
    stopped, or they no longer act for the unit they claimed for. Returned to them, the
    claim held its place (and a unit's task) for good."""
    task = claim.task
    if task.status != TaskStatus.PUBLISHED:
        return f"任务{task.get_status_display()}"
    if not claim.user.is_active:
        return "接单人的账号已停用"
    unit = claim.unit if claim.unit_id else None
    if unit is not None and not unit.members.filter(pk=claim.user_id).exists():
        return f"接单人已不再代表{unit.name}"
    return ""


def task_actions(viewer: Any, task: Task) -> list[tuple[str, str]]:
    from shequ.tasks.lifecycle import TASK_TRANSITIONS

    def held() -> bool:
        # Nor is it cancelled while the street holds its list (services.transition_task
        # says why): read only for a draft a manager could cancel, not for a board's rows.
        return task.monthly_list is not None and task.monthly_list.status in ("submitted", "approved")

    return [
        (a, t.label)
        for a, t in TASK_TRANSITIONS.items()
        if task.status in t.sources
        and any(can(viewer, p, task.area_path) for p in t.permissions)
        and not (a == "publish" and task.monthly_list_id)  # the list publishes its tasks
        and not (a == "cancel" and held())
    ]


def _reversals() -> QuerySet[Any]:
    from shequ.points.models import Transaction, TxnKind

    return Transaction.objects.filter(kind=TxnKind.REVERSAL)


def with_reversal(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Each claim with the memo of its award's reversal (``reversal_memo``, None when it
    stands), read in the list's own query rather than one query a row."""
    memo = _reversals().filter(reverses__award__claim_id=OuterRef("pk")).values("memo")[:1]
    return claims.annotate(reversal_memo=Subquery(memo))


def award_reversal(claim: Claim) -> str | None:
    """The reason the claim's award was reversed (冲正), or None when it stands or there
    is none."""
    if claim.status != ClaimStatus.ACCEPTED:
        return None
    if hasattr(claim, "reversal_memo"):  # read by with_reversal
        memo = claim.reversal_memo
    else:
        memo = _reversals().filter(reverses__award__claim_id=claim.pk).values_list("memo", flat=True).first()
    if memo is None:
        return None
    # The reversal's memo is "冲正 #<original>：<reason>"; one written before memos were
    # masked is masked as shown.
    return mask_free_text(memo.partition("：")[2] or memo)


def unit_claim_refusal(task: Task, unit: PartnerUnit) -> str:
    """Why a member may not claim ``task`` for ``unit`` ("" when they may): another
    member's claim of it for the unit is still live (a unit is paid once per task)."""
    other = (
        Claim.objects.filter(task=task, unit=unit)
        .exclude(status=ClaimStatus.WITHDRAWN)
        .select_related("user")
        .first()
    )
    if other is None:
        return ""
    return (
        f"{unit.name}的成员{other.user}已接了这个任务（每个单位每个任务只接一单、只计一次积分），不能重复接单"
    )


def done_before(task: Task, viewer: Any = None, unit: PartnerUnit | None = None) -> str:
    """Why ``viewer`` (or ``unit``) may not claim ``task`` again, having been paid for it,
    or "". Said as it is when the points were reversed (冲正): the work was done and
    accepted, and its points taken back; "并获得积分" read as a mistake then."""
    from shequ.tasks.models import Award

    for award, who in (
        (Award.objects.filter(task=task, user_id=viewer.pk) if viewer is not None else None, "您"),
        (Award.objects.filter(task=task, unit=unit) if unit is not None else None, "您的单位"),
    ):
        if award is None or not award.exists():
            continue
        if _reversals().filter(reverses__award__in=award).exists():
            return f"{who}已完成过这个任务并通过验收，所得积分已冲正，不能再次接单"
        return f"{who}已完成过这个任务并获得积分"
    return ""


def claim_closed_reason(task: Task, viewer: Any = None, unit: PartnerUnit | None = None) -> str:
    """Why a published task can no longer be claimed ("" while it can): by anyone, or by
    ``viewer`` (claiming for ``unit``), who has been paid for it already."""

    done = done_before(task, viewer, unit)
    if done:
        return done
    taken = unit_claim_refusal(task, unit) if unit is not None else ""
    if taken:
        return taken
    if task.deadline <= timezone.now():
        return "任务已过截止时间，不能再接单"
    if task.filled >= task.places:
        return "名额已满，不能再接单"
    if viewer is not None:
        from django.conf import settings

        held, cap = open_claim_count(viewer), settings.TASK_OPEN_CLAIM_CAP
        if held >= cap:  # the service refuses it; the page says so before the tap
            return f"您已有 {held} 个进行中的任务（最多 {cap} 个），提交完成凭证或撤回后才能再接单"
    return ""
