from __future__ import annotations

from datetime import date

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
