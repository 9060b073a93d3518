from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access.querysets import ScopedQuerySet
from shequ.core.fields import ByteOrderCharField


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on ``day`` (ages are computed, never stored)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Household(models.Model):
    """户: a dwelling in a building and the people registered in it."""

    code = models.CharField(_("户编号"), max_length=50, unique=True)
    building = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="households")
    # The building's path plus this household's code: residents' scope rule reaches here.
    area_path = ByteOrderCharField(max_length=400, unique=True)
    address = models.CharField(_("门牌"), max_length=100, help_text=_("单元、门牌号，如 2单元301"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["area_path"]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return f"{self.building.name} {self.address}"


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")


class CareGroup(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    UNEMPLOYED = "unemployed", _("失业人员")
    LOW_INCOME = "low_income", _("低保户")
    DISABLED = "disabled", _("残疾人")
    VETERAN = "veteran", _("退役军人")
    RESETTLED = "resettled", _("易地搬迁群众")
    # "三特三留" (seed 001): 特困人员、特殊困难家庭、重度残疾人; 留守儿童、留守妇女、留守老人.
    DESTITUTE = "destitute", _("特困人员")
    HARDSHIP_FAMILY = "hardship_family", _("特殊困难家庭")
    SEVERELY_DISABLED = "severely_disabled", _("重度残疾人")
    LEFT_BEHIND_WOMAN = "left_behind_woman", _("留守妇女")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("留守老人")


SANTE_SANLIU = (
    CareGroup.DESTITUTE,
    CareGroup.HARDSHIP_FAMILY,
    CareGroup.SEVERELY_DISABLED,
    CareGroup.LEFT_BEHIND_CHILD,
    CareGroup.LEFT_BEHIND_WOMAN,
    CareGroup.LEFT_BEHIND_ELDERLY,
)


class PartyMemberKind(models.TextChoices):
    LOCAL = "local", _("社区党员")
    IN_SERVICE = "in_service", _("在职党员")
    FLOATING = "floating", _("流动党员")
    NO_POST = "no_post", _("无职党员")


class Resident(models.Model):
    """居民. ID number and phone are stored encrypted, with a keyed hash and the masked form."""

    name = ByteOrderCharField(_("姓名"), max_length=50)
    name_pinyin = ByteOrderCharField(max_length=200)
    name_initials = ByteOrderCharField(max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), db_index=True)
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    residence_type = models.CharField(
        _("人口类型"), max_length=20, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    # Care-group tags as ",tag,tag," so that one LIKE finds a tag on every database.
    care_tags = models.CharField(_("重点人群"), max_length=200, blank=True, default="")
    party_member_kind = models.CharField(
        _("党员类型"), max_length=20, choices=PartyMemberKind.choices, blank=True, default=""
    )
    party_org = models.ForeignKey(
        "party.PartyOrg", on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "id"]
        indexes = [
            models.Index(fields=["area_path", "id"]),
            # Covers the dashboard counts, so they read the index alone.
            models.Index(
                fields=["area_path", "residence_type", "birth_date", "party_member_kind"],
                name="resident_stats_idx",
            ),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["name_pinyin", "id"]),
            models.Index(fields=["name_initials", "id"]),
        ]
        verbose_name = _("居民")
        verbose_name_plural = _("居民")

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int:
        return age_on(self.birth_date, timezone.localdate())

    @property
    def care_group_list(self) -> list[str]:
        return [t for t in self.care_tags.split(",") if t]

    def care_group_labels(self) -> list[str]:
        labels = dict(CareGroup.choices)
        return [str(labels.get(t, t)) for t in self.care_group_list]


class VisitQuerySet(ScopedQuerySet):
    view_permission = "visit.record"


class IncomeLevel(models.TextChoices):
    LOW = "low", _("困难")
    LOWER_MIDDLE = "lower_middle", _("偏低")
    MIDDLE = "middle", _("一般")
    GOOD = "good", _("较好")


class Health(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    CHRONIC = "chronic", _("慢性病")
    SERIOUS = "serious", _("重病或失能")


class Visit(models.Model):
    """走访 (四千行动: 入千家门、知千家情、解千家难、聚千家心): one visit to a household."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    area_path = ByteOrderCharField(max_length=400)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("走访日期"))
    people_met = models.CharField(_("见到的人"), max_length=200)
    situation = models.TextField(_("家庭情况"))
    thoughts = models.TextField(_("思想动态"), blank=True)
    income_level = models.CharField(_("收入水平"), max_length=20, choices=IncomeLevel.choices, blank=True)
    health = models.CharField(_("健康状况"), max_length=20, choices=Health.choices, blank=True)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["area_path", "visited_on"]),
            models.Index(fields=["household", "visited_on"]),
            models.Index(fields=["visitor", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


class VisitNeed(models.Model):
    """A need or problem found on a visit: recorded, or passed on to the problem list."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="needs")
    area_path = ByteOrderCharField(max_length=400)
    description = models.CharField(_("需求或问题"), max_length=500)
    category = models.CharField(_("问题类别"), max_length=40, blank=True)
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class VisitPlan(models.Model):
    """A grid worker's visits planned for a month in a grid (走访计划)."""

    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    month = models.CharField(_("月份"), max_length=6)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_households = models.PositiveIntegerField(_("计划走访户数"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "area_path"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "month", "worker"], name="visit_plan_once_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.month}"


class FloatingQuerySet(ScopedQuerySet):
    view_permission = "floating.manage"


class FloatingProfile(models.Model):
    """流动人口信息 (以房管人、以业管人、以证管人): where a floating resident rents, from
    whom, where they work, and their residence permit (居住证), kept like an ID number."""

    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="floating")
    area_path = ByteOrderCharField(max_length=400)
    landlord = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="tenancies"
    )
    lease_start = models.DateField(_("租期开始"), null=True, blank=True)
    lease_end = models.DateField(_("租期结束"), null=True, blank=True, db_index=True)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    permit_number_enc = models.TextField(blank=True)
    permit_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    permit_number_masked = models.CharField(_("居住证号"), max_length=40, blank=True)
    permit_expires = models.DateField(_("居住证有效期至"), null=True, blank=True, db_index=True)
    origin = models.CharField(_("户籍地"), max_length=100, blank=True)
    arrived_on = models.DateField(_("来本地日期"), null=True, blank=True)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FloatingQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["area_path", "permit_expires"])]

    def __str__(self) -> str:
        return str(self.resident_id)


class CareQuerySet(ScopedQuerySet):
    view_permission = "care.manage"


class CareKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("上门探访")
    PHONE = "phone", _("电话问候")
    MATERIAL = "material", _("物资帮扶")
    DAILY_CARE = "daily_care", _("生活照料")
    OTHER = "other", _("其他")


class CareRecord(models.Model):
    """One act of care for a resident in a care group (关爱记录): who, when, what."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="care_records")
    area_path = ByteOrderCharField(max_length=400)
    carer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cared_on = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=20, choices=CareKind.choices)
    content = models.TextField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CareQuerySet.as_manager()

    class Meta:
        ordering = ["-cared_on", "-id"]
        indexes = [models.Index(fields=["area_path", "cared_on"])]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.cared_on}"
