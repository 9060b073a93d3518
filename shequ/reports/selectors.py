"""Counts for dashboards and the stats API, computed from the records every time.

One grouped query per table: rows under the area are grouped by the first
``len(child path)`` characters of their path, which names the child they lie in, so an
area's totals and its per-child table come from the same few queries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from shequ.access.roles import Permission
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import under
from shequ.areas.selectors import get_area
from shequ.party.models import PartyOrg, PartyOrgKind
from shequ.people.models import Household, ResidenceType, Resident

ELDERLY_AGE = 60
STAT_KEYS = (
    "communities",
    "grids",
    "buildings",
    "households",
    "residents",
    "floating",
    "elderly",
    "party_branches",
    "party_members",
)


@dataclass
class AreaStats:
    communities: int = 0
    grids: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0
    floating: int = 0
    elderly: int = 0
    party_branches: int = 0
    party_members: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: AreaStats) -> None:
        for key in STAT_KEYS:
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass
class StatsTable:
    area: Area
    total: AreaStats
    rows: list[tuple[Area, AreaStats]] = field(default_factory=list)


def birth_cutoff(age: int, today: date | None = None) -> date:
    """The latest birth date of someone who is at least ``age`` years old today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age, day=28)


def _grouped(qs: Any, path_field: str, width: int | None, **aggregates: Any) -> dict[str, dict]:
    if width is None:
        return {"": qs.aggregate(**aggregates)}
    rows = qs.annotate(g=Substr(path_field, 1, width)).values("g").annotate(**aggregates)
    return {row.pop("g"): row for row in rows}


def compute(area: Area, *, today: date | None = None) -> StatsTable:
    kids = list(Area.objects.filter(parent=area).order_by("path"))
    widths = {len(k.path) for k in kids}
    width = widths.pop() if len(widths) == 1 else None
    cutoff = birth_cutoff(ELDERLY_AGE, today)

    area_groups = _grouped(
        Area.objects.filter(under(area.path, "path")),
        "path",
        width,
        communities=Count("id", filter=Q(kind=AreaKind.COMMUNITY)),
        grids=Count("id", filter=Q(kind=AreaKind.GRID)),
        buildings=Count("id", filter=Q(kind=AreaKind.BUILDING)),
    )
    household_groups = _grouped(
        Household.objects.filter(under(area.path)), "area_path", width, households=Count("id")
    )
    resident_groups = _grouped(
        Resident.objects.filter(under(area.path)),
        "area_path",
        width,
        residents=Count("id"),
        floating=Count("id", filter=Q(residence_type=ResidenceType.FLOATING)),
        elderly=Count("id", filter=Q(birth_date__lte=cutoff)),
        party_members=Count("id", filter=~Q(party_member_kind="")),
    )
    branch_groups = _grouped(
        PartyOrg.objects.filter(under(area.path), kind=PartyOrgKind.BRANCH),
        "area_path",
        width,
        party_branches=Count("id"),
    )

    def stats_for(key: str) -> AreaStats:
        merged: dict[str, int] = {}
        for groups in (area_groups, household_groups, resident_groups, branch_groups):
            merged.update({k: v or 0 for k, v in groups.get(key, {}).items()})
        return AreaStats(**merged)

    total = AreaStats()
    keys = set(area_groups) | set(household_groups) | set(resident_groups) | set(branch_groups)
    for key in keys:
        total.add(stats_for(key))
    table = StatsTable(area=area, total=total)
    if width is not None:
        table.rows = [(kid, stats_for(kid.path)) for kid in kids]
    else:
        table.rows = [(kid, compute(kid, today=today).total) for kid in kids]
    return table


def area_stats(viewer: Any, code: str) -> StatsTable:
    area = get_area(viewer, code, Permission.STATS_VIEW)
    return compute(area)
