"""locate() over 10,000 grids: bulk points per second and one lookup, against a bare
shapely STRtree query of the same polygons and points."""

from __future__ import annotations

import random
import time

import numpy as np
import shapely
from shapely.strtree import STRtree

from bench.common import emit, median, timed


def grid_polygons(n_side: int = 100) -> list:
    size = 0.002
    polys = []
    for i in range(n_side):
        for j in range(n_side):
            x, y = 120.0 + i * size, 50.0 + j * size
            polys.append(shapely.box(x, y, x + size, y + size))
    return polys


def main() -> None:
    from shequ.areas.geo import GridIndex, GridRef

    polys = grid_polygons()
    refs = [GridRef(i, f"G{i}", f"网格{i}", f"/S/G{i}/") for i in range(len(polys))]
    index = GridIndex(refs, polys)
    bare = STRtree(polys)
    rng = np.random.default_rng(1)
    n = 1_000_000
    lons = rng.uniform(120.0, 120.2, n)
    lats = rng.uniform(50.0, 50.2, n)

    bulk = median(timed(lambda: index.locate_many(lons, lats), 3))
    pts = shapely.points(lons, lats)
    bare_bulk = median(timed(lambda: bare.query(shapely.points(lons, lats), predicate="intersects"), 3))
    del pts

    sample = [(random.uniform(120.0, 120.2), random.uniform(50.0, 50.2)) for _ in range(20_000)]

    def singles() -> None:
        for lon, lat in sample:
            index.locate(lon, lat)

    def bare_singles() -> None:
        for lon, lat in sample:
            bare.query(shapely.Point(lon, lat), predicate="intersects")

    one = median(timed(singles, 3)) / len(sample)
    bare_one = median(timed(bare_singles, 3)) / len(sample)
    emit(
        bench="locate bulk",
        unit="points/s",
        value=round(n / bulk),
        baseline=round(n / bare_bulk),
        ratio=round(bulk / bare_bulk, 2),
        target="≥ 200,000 points/s",
    )
    emit(
        bench="locate one point",
        unit="µs",
        value=round(one * 1e6, 1),
        baseline=round(bare_one * 1e6, 1),
        ratio=round(one / bare_one, 2),
        target="≤ 25 µs",
    )
    _ = time


if __name__ == "__main__":
    main()
