"""The resource list (资源清单) and the task list (任务清单): who can do what, what is to be
done, who claimed it, the proof they gave and the award they received."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.access.querysets import ScopedQuerySet
from shequ.core.fields import ByteOrderCharField

# ---------------------------------------------------------------- resource list (资源清单)


class UnitKind(models.TextChoices):
    STATIONED_UNIT = "stationed_unit", _("驻区单位")
    PROPERTY_COMPANY = "property_company", _("物业公司")
    SOCIAL_ORG = "social_org", _("社会组织")
    DEPARTMENT = "department", _("职能部门")


class ResourceQuerySet(ScopedQuerySet):
    view_permission = "resource.view"


class PartnerUnit(models.Model):
    """A unit that works with the community (共建单位): it can receive targeted tasks."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone_enc = models.TextField(blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=30, blank=True)
    services = models.CharField(_("可提供的服务"), max_length=200, blank=True)
    # The accounts that act for the unit (claim its targeted tasks).
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="partner_units", blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="partner_unit_unique_name")]
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")

    def __str__(self) -> str:
        return self.name


class TeamKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务队")
    PATROL = "patrol", _("巡逻队")
    FIVE_ELDERS = "five_elders", _("五老服务队")
    PARTY = "party", _("党员服务队")
    OTHER = "other", _("其他")


class ServiceTeam(models.Model):
    """服务队: volunteers, patrols, 五老 (elders who help the young)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=TeamKind.choices)
    leader = models.CharField(_("队长"), max_length=50, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="service_team_unique_name")]
        verbose_name = _("服务队")
        verbose_name_plural = _("服务队")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(ServiceTeam, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="team_memberships")
    joined_at = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "resident"], name="team_member_unique")]

    def __str__(self) -> str:
        return f"{self.team} · {self.resident_id}"


class TalentKind(models.TextChoices):
    ABLE = "able", _("能人")
    GIFTED = "gifted", _("才人")
    ARTIST = "artist", _("艺人")


class Talent(models.Model):
    """One entry of the skills registry (能人、才人、艺人): who can do what."""

    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="talents")
    kind = models.CharField(_("类别"), max_length=10, choices=TalentKind.choices)
    trade = models.CharField(_("行业"), max_length=50)
    field = models.CharField(_("领域"), max_length=50, blank=True)
    skill = models.CharField(_("特长"), max_length=100)
    area_path = ByteOrderCharField(max_length=400, db_index=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "id"]
        # A double click on 登记 registers the skill once.
        constraints = [
            models.UniqueConstraint(fields=["resident", "kind", "trade", "skill"], name="talent_unique_skill")
        ]
        verbose_name = _("技能登记")
        verbose_name_plural = _("技能登记")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.skill}"


class VenueKind(models.TextChoices):
    VENUE = "venue", _("场地")
    EQUIPMENT = "equipment", _("设备")


class Venue(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=VenueKind.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("容量/数量"), default=1)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="venue_unique_name")]
        verbose_name = _("场地设备")
        verbose_name_plural = _("场地设备")

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- task list (任务清单)


class Category(models.TextChoices):
    APPLIANCE_REPAIR = "appliance_repair", _("家电维修")
    SKILLS_TRAINING = "skills_training", _("技能培训")
    MEDIATION = "mediation", _("矛盾调解")
    HARDSHIP_AID = "hardship_aid", _("困难救助")
    REPLACE_BULB = "replace_bulb", _("更换灯泡")
    CLEAR_ADS = "clear_ads", _("清理广告")
    MOVING = "moving", _("搬运物品")
    TUTORING = "tutoring", _("辅导学生")
    POWER_MAINTENANCE = "power_maintenance", _("电力设备运维")
    GREENING = "greening", _("小区绿化管护")
    SEPTIC = "septic", _("化粪池清掏")
    OTHER = "other", _("其他")


class Difficulty(models.TextChoices):
    EASY = "easy", _("简单")
    NORMAL = "normal", _("一般")
    HARD = "hard", _("较难")
    EXPERT = "expert", _("困难")


class Audience(models.TextChoices):
    PUBLIC = "public", _("公开（本社区居民和党员）")
    TARGETED = "targeted", _("定向（指定单位、服务队、能人）")


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("待发布")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    SUBMITTED = "submitted", _("待街道审批")
    APPROVED = "approved", _("已审批待发布")
    PUBLISHED = "published", _("已发布")


class MonthlyListQuerySet(ScopedQuerySet):
    view_permission = "task.view"


class MonthlyList(models.Model):
    """The month's routine tasks of a community: assembled by staff, approved by the
    street office, published on ``publish_on``."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)
    month = models.CharField(_("月份"), max_length=6)
    publish_on = models.DateField(_("发布日期"))
    status = models.CharField(_("状态"), max_length=10, choices=ListStatus.choices, default=ListStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=200, blank=True)

    objects = MonthlyListQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "area_path"]
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="monthly_list_unique")]
        verbose_name = _("月度任务清单")
        verbose_name_plural = _("月度任务清单")

    def __str__(self) -> str:
        return f"{self.month} {self.area_id}"


class TaskQuerySet(ScopedQuerySet):
    view_permission = "task.view"


class Task(models.Model):
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("任务说明"))
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    difficulty = models.CharField(_("难度"), max_length=10, choices=Difficulty.choices)
    points = models.PositiveIntegerField(_("积分"))
    places = models.PositiveIntegerField(_("名额"))
    # Active claims (not withdrawn); raised only by a conditional UPDATE below ``places``.
    filled = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField(_("截止时间"))
    audience = models.CharField(_("对象"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    target_units = models.ManyToManyField(PartnerUnit, blank=True, related_name="tasks")
    target_teams = models.ManyToManyField(ServiceTeam, blank=True, related_name="tasks")
    # Registered skilled residents (能人、才人、艺人): their logins claim as a team member does.
    target_talents = models.ManyToManyField(Talent, blank=True, related_name="tasks")
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    monthly_list = models.ForeignKey(
        MonthlyList, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    # 转为任务: the problem this task came from (its tasks are ``problem.tasks``).
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    community_path = ByteOrderCharField(max_length=400)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community_path", "status", "deadline"], name="task_board_idx"),
            models.Index(fields=["area_path", "status"], name="task_scope_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(filled__lte=models.F("places")), name="task_filled_le_places"
            ),
            models.CheckConstraint(condition=models.Q(places__gte=1), name="task_places_ge_1"),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="task_idempotency_unique",
            ),
        ]
        verbose_name = _("任务")
        verbose_name_plural = _("任务")

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(self.places - self.filled, 0)

    @property
    def past_deadline(self) -> bool:
        """Published and past its deadline: no more claims, and waiting for staff to
        结束任务 (computed when read, nothing rewrites the row)."""
        from django.utils import timezone

        return self.status == TaskStatus.PUBLISHED and self.deadline <= timezone.now()


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    VIDEO = "video", _("短视频")


class TaskAttachment(models.Model):
    """A photo or short video explaining a task (checked like proof files)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    file = models.CharField(max_length=200, help_text="path under MEDIA_ROOT")
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.file


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("已接单")
    SUBMITTED = "submitted", _("待验收")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已验收")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.SUBMITTED, ClaimStatus.RETURNED)
# What the cap (TASK_OPEN_CLAIM_CAP) counts, shown as 进行中: claims the person still has
# to act on. A proof waiting for acceptance (待验收) is the grid worker's work, not theirs.
TO_DO_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.RETURNED)


class ClaimQuerySet(ScopedQuerySet):
    view_permission = "task.view"


class Claim(models.Model):
    """接单: one person (for themselves or for their unit) taking one place of a task."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_claims")
    unit = models.ForeignKey(
        PartnerUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED)
    proof_note = models.TextField(blank=True)
    return_reason = models.CharField(max_length=200, blank=True)
    area_path = ByteOrderCharField(max_length=400)
    claimed_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at", "-id"]
        indexes = [
            models.Index(fields=["user", "status"], name="claim_user_status_idx"),
            models.Index(fields=["area_path", "status", "submitted_at"], name="claim_queue_idx"),
        ]
        constraints = [
            # No double claim: one live claim per task and person (a withdrawn one may be retaken).
            models.UniqueConstraint(
                fields=["task", "user"],
                condition=~models.Q(status="withdrawn"),
                name="claim_one_live_per_person",
            ),
        ]
        verbose_name = _("接单")
        verbose_name_plural = _("接单")

    def __str__(self) -> str:
        return f"{self.task_id} · {self.user_id} · {self.status}"


class ClaimEvent(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"

    @property
    def label(self) -> str:
        from shequ.tasks.lifecycle import CLAIM_TRANSITIONS

        if self.action in CLAIM_TRANSITIONS:
            return CLAIM_TRANSITIONS[self.action].label
        return {"claim": "接单"}.get(self.action, self.action)


class ProofFile(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="proofs")
    event = models.ForeignKey(ClaimEvent, on_delete=models.CASCADE, related_name="proofs")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    file = models.CharField(max_length=200, help_text="path under MEDIA_ROOT")
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file


class Award(models.Model):
    """The points a person received for a task: at most one per task and person,
    whatever happens to claims, retries or races (the unique constraint says so)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="awards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_awards")
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="award")
    # The partner unit paid, when the claim was taken for one: a unit is paid once per task
    # however many of its members claimed it.
    unit = models.ForeignKey(
        "PartnerUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="awards"
    )
    points = models.PositiveIntegerField()
    transaction = models.OneToOneField("points.Transaction", on_delete=models.PROTECT, related_name="award")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "user"], name="award_one_per_task_person"),
            models.UniqueConstraint(
                fields=["task", "unit"],
                condition=models.Q(unit__isnull=False),
                name="award_one_per_task_unit",
            ),
        ]
        verbose_name = _("任务积分")
        verbose_name_plural = _("任务积分")

    def __str__(self) -> str:
        return f"{self.task_id} · {self.user_id} · {self.points}"
