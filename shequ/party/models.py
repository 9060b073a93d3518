from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.access.querysets import ScopedQuerySet
from shequ.core.fields import ByteOrderCharField


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委（党工委）")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


class PartyOrgQuerySet(ScopedQuerySet):
    view_permission = "stats.view"


class PartyOrg(models.Model):
    """A party organisation placed in the area tree (street committee, branch, group)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=PartyOrgKind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)

    objects = PartyOrgQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "id"]
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name


class DualRegistrationQuerySet(ScopedQuerySet):
    view_permission = "task.view"


class DualRegistration(models.Model):
    """双报到: a party member who reports to a community other than where the register
    places them (an in-service member of a county office, 在职党员到社区报到), so that
    they "领任务" there: they see and claim its public tasks as its residents do, and
    their service points count in its 社区治理先锋 list when they have no home in the
    register. Recorded by the community's staff, on the member's login."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dual_registrations"
    )
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400, db_index=True)  # the community's
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)

    objects = DualRegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="dual_registration_once_per_community")
        ]
        verbose_name = _("双报到党员")
        verbose_name_plural = _("双报到党员")

    def __str__(self) -> str:
        return f"{self.user} → {self.community_id}"
