"""The demo streets and the figures the seed articles give for them.

Only the figures marked "seed" come from the articles; the rest (grid counts of 拉布大林,
party figures of 杏山, shares of floating and elderly residents) are plausible choices
of this demo, said here so nobody mistakes them for published numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreetPlan:
    code: str
    communities: tuple[str, ...]  # short names, in the order of the division codes
    households: int
    residents: int
    grids_per_community: tuple[int, ...]
    party_branches_per_community: tuple[int, ...]
    party_members: int
    buildings: int
    building_heads: int
    grid_stations: bool
    centre: tuple[float, float]  # lon, lat of the town centre
    floating_share: float
    region: str  # county code used for generated ID numbers


LABUDALIN = StreetPlan(
    code="150784001",  # 拉布大林街道, 额尔古纳市 (seed 000_010f0855bc842ff4.txt)
    communities=("兴达社区", "平安社区", "广安社区", "新华社区", "农垦社区", "和谐社区"),
    households=18830,  # seed
    residents=42140,  # seed
    grids_per_community=(7, 8, 7, 7, 6, 7),
    party_branches_per_community=(5, 5, 4, 5, 4, 4),  # 27 in all: seed
    party_members=1277,  # seed
    buildings=470,
    building_heads=0,
    grid_stations=False,
    centre=(120.190, 50.243),
    floating_share=0.12,
    region="150784",
)

XINGSHAN = StreetPlan(
    code="522635001",  # 杏山街道, 麻江县城 (seed 001_177d3c319b37ba3b.txt)
    communities=("城江社区", "群英社区", "新兴社区", "凤凰社区"),
    households=10479,  # seed
    residents=24868,  # seed
    grids_per_community=(12, 11, 11, 11),  # 45 grids: seed
    party_branches_per_community=(3, 3, 3, 3),
    party_members=760,
    buildings=251,
    building_heads=251,  # seed: 251 building heads, one per building
    grid_stations=True,  # seed: 4 grid stations
    centre=(107.592, 26.494),
    floating_share=0.15,
    region="522635",
)

LONGTANZI = StreetPlan(
    code="500111003",  # 龙滩子街道, 大足区 (seed 004_6e582914e595eab2.txt); the seed gives no
    # population figures, so these are the demo's own, kept small.
    communities=("龙滩园社区", "双龙东路社区", "连二坡社区", "龙星社区", "太平社区"),
    households=6000,
    residents=15000,
    grids_per_community=(5, 5, 5, 5, 5),
    party_branches_per_community=(2, 2, 2, 2, 2),
    party_members=400,
    buildings=150,
    building_heads=0,
    grid_stations=False,
    centre=(105.722, 29.706),
    floating_share=0.08,
    region="500111",
)

PLANS = (LABUDALIN, XINGSHAN, LONGTANZI)
# A year of problems (问题清单) for these streets, per month.
PROBLEMS_PER_MONTH = {LABUDALIN.code: 100, LONGTANZI.code: 100}
