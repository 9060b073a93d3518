"""Which grid is this point in? An in-memory shapely index of the grid polygons.

Each process builds the index once from the grids' GeoJSON and keeps it. A change to a
grid in this process drops it at once (signal); a change made by another process is
noticed within ``RECHECK_SECONDS``, when the index compares the grids' newest
``updated_at`` and count with those it was built from.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from shapely.geometry import shape
from shapely.strtree import STRtree

RECHECK_SECONDS = 30.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GridRef:
    id: int
    code: str
    name: str
    path: str


class GridIndex:
    def __init__(self, grids: Sequence[GridRef], polygons: Sequence[Any]) -> None:
        self.grids = list(grids)
        self.tree = STRtree(list(polygons))
        self._geoms = self.tree.geometries

    def locate(self, lon: float, lat: float) -> GridRef | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self.grids[int(hits.min())]

    def locate_all(self, lon: float, lat: float) -> list[GridRef]:
        """Every grid holding the point, the one locate() gives first: a point on the border
        two grids share lies in both."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return [self.grids[i] for i in sorted(hits.tolist())]

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[GridRef | None]:
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        found = np.full(len(points), -1, dtype=np.int64)
        # On a shared border a point touches two grids: keep the lowest grid index,
        # the same answer locate() gives for the same point.
        order = np.lexsort((-grid_idx, point_idx))
        found[point_idx[order]] = grid_idx[order]
        return [self.grids[i] if i >= 0 else None for i in found.tolist()]


_lock = threading.Lock()
_index: GridIndex | None = None
_stamp: tuple[object, int] | None = None
_checked_at = 0.0


def _grid_stamp() -> tuple[object, int]:
    from shequ.areas.models import Area, AreaKind

    agg = Area.objects.filter(kind=AreaKind.GRID).aggregate(m=Max("updated_at"), n=Count("id"))
    return agg["m"], agg["n"]


def build_index() -> GridIndex:
    from shequ.areas.models import Area, AreaKind

    grids, polygons = [], []
    rows = Area.objects.filter(kind=AreaKind.GRID, geometry__isnull=False).values_list(
        "id", "code", "name", "path", "geometry"
    )
    for pk, code, name, path, geometry in rows.order_by("path"):
        try:
            polygon = shape(geometry)
        except Exception:  # noqa: BLE001 - shapely raises several kinds
            # One bad row (pasted before the admin checked it) must not stop locating in
            # every other grid: this grid is left out, and said so in the log.
            logger.warning("grid %s (%s) left out of the grid index: its geometry is not GeoJSON", code, name)
            continue
        grids.append(GridRef(pk, code, name, path))
        polygons.append(polygon)
    return GridIndex(grids, polygons)


def get_index() -> GridIndex:
    global _index, _stamp, _checked_at
    now = time.monotonic()
    with _lock:
        if _index is not None and now - _checked_at < RECHECK_SECONDS:
            return _index
        stamp = _grid_stamp()
        if _index is None or stamp != _stamp:
            _index = build_index()
            _stamp = stamp
        _checked_at = now
        return _index


def invalidate() -> None:
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0


def on_earth(lon: float, lat: float) -> bool:
    """Whether (lon, lat) is a WGS84 point (false for infinities and NaN too)."""
    return -180 <= lon <= 180 and -90 <= lat <= 90


def off_earth(lon: float, lat: float) -> dict[str, str]:
    """Why (lon, lat) is not a WGS84 point, under the field that is wrong ({} if it is)."""
    errors = {}
    if not -180 <= lon <= 180:
        errors["lon"] = "坐标必须是 WGS84 经纬度：经度在 -180 到 180 之间"
    if not -90 <= lat <= 90:
        errors["lat"] = "坐标必须是 WGS84 经纬度：纬度在 -90 到 90 之间"
        if -90 <= lon <= 90 and -180 <= lat <= 180:
            # The two the other way round would be a point (lon=36.6, lat=117.0 in China):
            # an app that wrote them in the wrong order, said so rather than left to guess.
            errors["lat"] += f"，{lat} 像是经度：经度和纬度是否填反了？"
    return errors


def locate(lon: float, lat: float) -> GridRef | None:
    """The grid containing the WGS84 point (lon, lat), or None outside every grid."""
    return get_index().locate(lon, lat)


def locate_all(lon: float, lat: float) -> list[GridRef]:
    """Every grid containing the WGS84 point (lon, lat): two or more on a shared border."""
    return get_index().locate_all(lon, lat)


def locate_many(lons: Sequence[float], lats: Sequence[float]) -> list[GridRef | None]:
    return get_index().locate_many(lons, lats)


def _on_area_change(sender: object, instance: Any, **kwargs: object) -> None:
    if instance.kind == "grid":
        invalidate()


def connect_signals() -> None:
    from shequ.areas.models import Area

    post_save.connect(_on_area_change, sender=Area, dispatch_uid="areas.geo.save")
    post_delete.connect(_on_area_change, sender=Area, dispatch_uid="areas.geo.delete")
