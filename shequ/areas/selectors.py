"""Reads of the area tree, always on behalf of a viewer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shequ.access.roles import Permission
from shequ.access.scope import scope_paths
from shequ.areas.models import Area
from shequ.areas.paths import codes, under
from shequ.core.errors import NotFound, ValidationFailed


def area_list(
    viewer: Any,
    *,
    kind: str | None = None,
    parent: str | None = None,
    within: str | None = None,
    permission: Permission = Permission.AREA_VIEW,
) -> QuerySet[Area]:
    # A list never shows boundaries (AreaDetailOut does, one area at a time), and a grid's
    # imported outline can be tens of kilobytes of JSON decoded for every row.
    qs = Area.objects.visible_to(viewer, permission).defer("geometry")
    if kind:
        qs = qs.filter(kind=kind)
    # A code that names no area is said so, as ``kind`` is: a mistyped code was answered
    # with an empty list, which reads as "no areas under it". Division codes are public,
    # so naming one unknown tells nothing; one outside the viewer's areas lists nothing.
    named = [code for code in (parent, within) if code]
    paths = dict(Area.objects.filter(code__in=named).values_list("code", "path")) if named else {}
    unknown = {
        name: f"区域编码 {code[:30]} 不存在"
        for name, code in (("parent", parent), ("within", within))
        if code and code not in paths
    }
    if unknown:
        raise ValidationFailed(unknown)
    if parent:
        qs = qs.filter(parent__code=parent)
    if within:
        qs = qs.filter(under(paths[within], "path")).exclude(code=within)
    return qs.order_by("path")


def get_area(viewer: Any, code: str, permission: Permission = Permission.AREA_VIEW) -> Area:
    area = Area.objects.visible_to(viewer, permission).filter(code=code).first()
    if area is None:
        raise NotFound("区域")
    return area


def filter_path(code: str) -> str:
    """The path of a place named only to narrow what the caller already sees (their own
    problems, the tasks open to them): no scope is needed, as a division code is public;
    an unknown code is named."""
    path = Area.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        raise ValidationFailed({"area": f"区域编码 {code[:30]} 不存在"})
    return path


def home_areas(viewer: Any, permission: Permission = Permission.AREA_VIEW) -> QuerySet[Area]:
    """The top-most areas a viewer holds a permission for (their "home" areas)."""
    paths = scope_paths(viewer, permission)
    return Area.objects.filter(path__in=paths).defer("geometry").order_by("path")


def breadcrumbs(viewer: Any, area: Area) -> list[Area]:
    """The visible ancestors of an area, top first, and the area itself."""
    path_codes = codes(area.path)
    found = {a.code: a for a in Area.objects.visible_to(viewer).filter(code__in=path_codes).defer("geometry")}
    return [found[c] for c in path_codes if c in found]


def children(viewer: Any, area: Area) -> QuerySet[Area]:
    return Area.objects.visible_to(viewer).filter(parent=area).defer("geometry").order_by("path")


def _features(rows: Any) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geom, "properties": {"code": code, "name": name}}
            for code, name, geom in rows
        ],
    }


def grid_features(viewer: Any, area: Area) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the grids at or below an area, for the map."""
    return _features(
        Area.objects.visible_to(viewer)
        .filter(under(area.path, "path"), kind="grid", geometry__isnull=False)
        .values_list("code", "name", "geometry")
    )


def grid_outlines(community: Area | None) -> dict[str, Any]:
    """The grid outlines of a community, for placing a pin when reporting. Only names and
    shapes, so they are shown to the community's residents too, who hold no area scope."""
    if community is None:
        return _features([])
    return _features(
        Area.objects.filter(under(community.path, "path"), kind="grid", geometry__isnull=False).values_list(
            "code", "name", "geometry"
        )
    )
