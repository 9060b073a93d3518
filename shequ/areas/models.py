from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.paths import under
from shequ.core.fields import ByteOrderCharField


class AreaKind(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID_STATION = "grid_station", _("网格工作站")
    ESTATE = "estate", _("小区")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")


# Which kinds may sit directly below which: one table, checked by the services.
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    AreaKind.STREET: (None,),
    AreaKind.COMMUNITY: (AreaKind.STREET,),
    AreaKind.GRID_STATION: (AreaKind.COMMUNITY,),
    AreaKind.ESTATE: (AreaKind.COMMUNITY,),
    AreaKind.GRID: (AreaKind.COMMUNITY, AreaKind.GRID_STATION, AreaKind.ESTATE),
    AreaKind.BUILDING: (AreaKind.GRID, AreaKind.ESTATE, AreaKind.COMMUNITY),
}


class AreaQuerySet(models.QuerySet["Area"]):
    def under(self, path: str) -> AreaQuerySet:
        return self.filter(under(path, "path"))

    def visible_to(self, user: object, permission: str = "area.view") -> AreaQuerySet:
        from shequ.access.scope import scope_q

        return self.filter(scope_q(user, permission, "path"))


class Area(models.Model):
    """One place in the tree: street, community, grid station, estate, grid or building."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = ByteOrderCharField(_("路径"), max_length=400, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    # GeoJSON geometry (WGS84 lon/lat), for grids and, optionally, other levels.
    geometry = models.JSONField(_("范围"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"])]
        verbose_name = _("区域")
        verbose_name_plural = _("区域")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
