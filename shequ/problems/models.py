from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access.querysets import ScopedQuerySet
from shequ.core.fields import ByteOrderCharField


class HandlingLevel(models.TextChoices):
    """分级处置: 小问题不出小区、大问题不出社区."""

    ESTATE = "estate", _("小区（网格）")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DEPARTMENT = "department", _("职能部门")


LEVEL_ORDER = [HandlingLevel.ESTATE, HandlingLevel.COMMUNITY, HandlingLevel.STREET, HandlingLevel.DEPARTMENT]


class LedgerType(models.TextChoices):
    PROPERTY = "property", _("物业管理")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    HOTLINE = "hotline", _("接诉即办")
    SAFETY = "safety", _("安全生产")
    LIVELIHOOD = "livelihood", _("民生保障")


class DeadlineClass(models.TextChoices):
    EMERGENCY = "emergency", _("紧急")
    UTILITIES = "utilities", _("水电气暖")
    GENERAL = "general", _("一般")
    COMPLEX = "complex", _("复杂")


class Source(models.TextChoices):
    RESIDENT = "resident", _("居民上报")
    ON_BEHALF = "on_behalf", _("网格员代报")
    VISIT = "visit", _("走访发现")
    OPINION_CHANNEL = "opinion_channel", _("民意直通车")
    HOTLINE = "hotline", _("12345热线")
    PATROL = "patrol", _("网格巡查")


class ResponsibleRole(models.TextChoices):
    GRID_LEADER = "grid_leader", _("网格长")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    FULL_TIME_STAFF = "full_time_staff", _("社区专职干部")
    SECRETARY = "secretary", _("社区书记")
    STREET_OFFICE = "street_office", _("街道办")
    DEPARTMENT = "department", _("职能部门/共建单位")


class Status(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已立案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已合并")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    REPORTED_BACK = "reported_back", _("已反馈")
    CLOSED = "closed", _("已结案")
    EVALUATED = "evaluated", _("已回访")


OPEN_STATUSES = (
    Status.REPORTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.REPORTED_BACK,
)


class ProblemCategory(models.Model):
    """An editable catalogue entry: what kind of problem, and how it is handled by default."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    handling_level = models.CharField(_("处置层级"), max_length=20, choices=HandlingLevel.choices)
    ledger_type = models.CharField(_("台账类型"), max_length=20, choices=LedgerType.choices)
    deadline_class = models.CharField(_("时限类别"), max_length=20, choices=DeadlineClass.choices)
    responsible_role = models.CharField(_("默认责任方"), max_length=30, choices=ResponsibleRole.choices)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")

    def __str__(self) -> str:
        return self.name


class ProblemQuerySet(ScopedQuerySet):
    view_permission = "problem.view"


class Problem(models.Model):
    """One reported problem, its whole life (问题清单)."""

    # No index of its own: (category, lat) below starts with it (every index is written by
    # every report; docs/decisions/0004-hot-create-path.md).
    category = models.ForeignKey(
        ProblemCategory, on_delete=models.PROTECT, related_name="problems", db_index=False
    )
    description = models.TextField(_("问题描述"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    hotline_order_no = models.CharField(_("12345工单号"), max_length=40, blank=True)
    # Indexed by (reporter, reported_at) below.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_problems", db_index=False
    )
    # The resident a grid worker reported for (elderly residents without phones).
    on_behalf_of = models.ForeignKey(
        "people.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    located = models.BooleanField(default=True, help_text="False: pin outside every grid, at triage")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED)
    handling_level = models.CharField(_("处置层级"), max_length=20, choices=HandlingLevel.choices)
    responsible_role = models.CharField(_("责任方"), max_length=30, choices=ResponsibleRole.choices)
    responsible_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", null=True, blank=True, db_index=False
    )
    responsible_party = models.CharField(_("责任单位"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ledger_type = models.CharField(_("台账类型"), max_length=20, choices=LedgerType.choices)
    month = models.CharField(max_length=6, help_text="YYYYMM of the report, for ledgers and dashboards")
    reported_at = models.DateTimeField(_("上报时间"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The first triage answer (立案, 不予立案 or 合并), for the response rate.
    responded_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    # A 办理时限 that had passed when the problem was escalated (which clears ``due_at``
    # until the next level dispatches it): still a deadline missed, for 应结案, never 按期.
    # A reopen moves it to the closing it undoes (ReopenedClosing).
    missed_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(default=0)  # every 返工 of its life
    # rework_count when it was last reopened: the 返工 of the present cycle are the rest
    # (返工率 counts a closing reworked in its own cycle, kpi.compute).
    reworks_before = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    urge_count = models.PositiveSmallIntegerField(default=0)
    # 0: no reminder sent, 1: "due soon" sent, 2: "overdue" sent (reset on each dispatch).
    reminder_stage = models.PositiveSmallIntegerField(default=0)
    resolved = models.BooleanField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    idempotency_key = models.CharField(max_length=80, blank=True)
    # The reporter, and the reporters of problems merged into this one, follow it.
    followers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="followed_problems", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            # Status counts (and their overdue part) read this index alone.
            models.Index(fields=["area_path", "status", "due_at"], name="problem_status_idx"),
            models.Index(fields=["area_path", "month", "ledger_type"]),
            # Overdue counts read this index alone (status, due date, place).
            models.Index(fields=["status", "due_at", "area_path"], name="problem_overdue_idx"),
            # Lists are newest first: walking this index avoids sorting a whole street.
            models.Index(fields=["reported_at", "id"], name="problem_recent_idx"),
            # The monthly measures select by due date and by closing date.
            models.Index(fields=["due_at"], name="problem_due_idx"),
            # Beside it in 应结案's OR (a deadline missed before an escalation): written
            # only on a late escalation.
            models.Index(
                fields=["missed_due_at"],
                condition=models.Q(missed_due_at__isnull=False),
                name="problem_missed_due_idx",
            ),
            models.Index(fields=["closed_at"], name="problem_closed_idx"),
            models.Index(fields=["reporter", "reported_at"]),
            models.Index(fields=["category", "lat"]),
            # The optional links are indexed where set only: a new report has none of them,
            # so it writes none of these indexes. A lookup by value (assignee = x) implies
            # IS NOT NULL, and both databases use a partial index for it.
            models.Index(
                fields=["on_behalf_of"],
                condition=models.Q(on_behalf_of__isnull=False),
                name="problem_on_behalf_of_idx",
            ),
            models.Index(
                fields=["responsible_area"],
                condition=models.Q(responsible_area__isnull=False),
                name="problem_responsible_area_idx",
            ),
            models.Index(
                fields=["assignee"], condition=models.Q(assignee__isnull=False), name="problem_assignee_idx"
            ),
            # 12345 work orders, looked up so that one order is entered once.
            models.Index(
                fields=["hotline_order_no"],
                condition=~models.Q(hotline_order_no=""),
                name="problem_hotline_order_idx",
            ),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="problem_merged_into_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="problem_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="problem_satisfaction_1_5",
            ),
        ]
        verbose_name = _("问题")
        verbose_name_plural = _("问题")

    def __str__(self) -> str:
        return f"{self.number} {self.category.name}"

    @property
    def number(self) -> str:
        """编号: report date and id, e.g. 20261122000042 (derived, never stored)."""
        return f"{timezone.localtime(self.reported_at):%Y%m%d}{self.pk:06d}"

    @property
    def overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_at is not None and self.due_at < timezone.now()

    @property
    def urged_open(self) -> int:
        """督办 count while the problem is still in hand (0 once it is settled): the badge
        the handler's lists show."""
        return self.urge_count if self.status in OPEN_STATUSES else 0

    @property
    def closed_on_time(self) -> bool | None:
        """按期结案, as the measures count it (problems.kpi): closed no later than its 办理时限
        and never past one before (a late escalation in this cycle); None
        while it is not closed or had no time limit."""
        if self.closed_at is None or self.due_at is None:
            return None
        return self.missed_due_at is None and self.closed_at <= self.due_at


class ReopenedClosing(models.Model):
    """A 结案 later undone by 重新打开, kept as it stood, so that the month it was due and
    closed in keeps counting it (problems.kpi): reopening used to take a deadline met (or
    missed) and its 回访 rating out of that month's measures, and the unhappy residents
    who reopen were the ones whose ratings vanished."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="closings")
    area_path = ByteOrderCharField(max_length=400)
    due_at = models.DateTimeField(null=True, blank=True)
    missed_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField()
    rework_count = models.PositiveSmallIntegerField(default=0)
    reworks_before = models.PositiveSmallIntegerField(default=0)  # as on Problem
    resolved = models.BooleanField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    reopened_at = models.DateTimeField()

    class Meta:
        # The measures select by due date (or a deadline missed before it) and by closing
        # date, as they do on the problem itself.
        indexes = [
            models.Index(fields=["due_at"], name="closing_due_idx"),
            models.Index(
                fields=["missed_due_at"],
                condition=models.Q(missed_due_at__isnull=False),
                name="closing_missed_due_idx",
            ),
            models.Index(fields=["closed_at"], name="closing_closed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} 结案于 {self.closed_at:%Y-%m-%d}"


class ProblemEvent(models.Model):
    """One step of a problem's timeline: who did what, when, with what note."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    # Not indexed: a timeline is read by problem, never by who acted (migration 0007).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    # Who did it, as the viewer may be told (selectors.timeline); not stored.
    actor_label = ""

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        from shequ.problems.lifecycle import TRANSITIONS

        if self.action in TRANSITIONS:
            # 立案 or 派遣 that placed an unplaced problem in a grid says where.
            data = self.data or {}
            placed = data.get("placed_name")
            return (
                TRANSITIONS[self.action].label
                + (f"，定位到{placed}" if placed else "")
                + ("，列入联席会议议题" if data.get("agenda") else "")
            )
        return {
            "report": "上报",
            "merged_in": "合并重复问题",
            "to_task": "转为任务",
            "release": "承办人离任，退回",
            "agenda_discussed": "联席会议已讨论",
        }.get(self.action, self.action)


class PhotoKind(models.TextChoices):
    REPORT = "report", _("上报照片")
    PROOF = "proof", _("处置照片")


class ProblemPhoto(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        ProblemEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(max_length=10, choices=PhotoKind.choices)
    file = models.CharField(max_length=200, help_text="path under MEDIA_ROOT")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file


class AgendaItem(models.Model):
    """A street-level problem on the agenda of the next joint meeting (联席会议)."""

    problem = models.OneToOneField(Problem, on_delete=models.CASCADE, related_name="agenda_item")
    street = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    added_at = models.DateTimeField(auto_now_add=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"联席会议议题：{self.problem_id}"


class ReportRunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


REPORT_STALE_AFTER = timedelta(minutes=10)
# A job the database queue marks running for longer than this is taken for a worker that
# died in it, not for one still working.
WORKER_JOB_LONGEST = timedelta(hours=2)


def worker_busy() -> bool:
    """The background worker is running a job now (the database queue, the default; with
    another queue backend this is not known here and a long wait is taken as stalled)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database queue is a dependency
        return False
    return DBTaskResult.objects.filter(
        status="RUNNING", started_at__gte=timezone.now() - WORKER_JOB_LONGEST
    ).exists()


class ReportRunQuerySet(ScopedQuerySet):
    view_permission = "problem.export"


class ReportRun(models.Model):
    """One generation of the monthly report (月报) of an area, by a background job."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    month = models.CharField(max_length=6)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ReportRunStatus.choices, default=ReportRunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    xlsx_file = models.CharField(max_length=200, blank=True)
    docx_file = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the job last said how far it got: a run silent for REPORT_STALE_AFTER lost its
    # worker (stopped, killed, the machine restarted) and will not finish.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # 报送街道: a community's finished report sent to its street (seed 004: before the
    # 25th). A later run of the same month may be sent again as a correction.
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month} {self.status}"

    @property
    def stale(self) -> bool:
        """Queued or generating, but nothing heard from the job for REPORT_STALE_AFTER (a
        report of a street's month takes seconds): the worker stopped, or never ran."""
        last = self.progressed_at or self.created_at
        late = (
            self.status in (ReportRunStatus.QUEUED, ReportRunStatus.RUNNING)
            and last is not None
            and timezone.now() - last > REPORT_STALE_AFTER
        )
        # Still queued while the worker is busy with a long job (a street's registry
        # import): the worker runs, the report waits its turn.
        return late and not (self.status == ReportRunStatus.QUEUED and worker_busy())
