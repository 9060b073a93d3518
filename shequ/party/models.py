from __future__ import annotations

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
