"""Counts for dashboards and the stats API, computed from the records every time.

Each count is a plain aggregate over a path range, which both databases answer from an
index without sorting: the totals of an area are one range per table; its per-child
table is one range per child (plus the gaps between children, where records placed
directly on the area itself would lie), so the children always add up to the total.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from shequ.access.roles import Permission
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import upper_bound
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


def _range(field_name: str, low: str, high: str) -> Q:
    return Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})


def count_range(low: str, high: str, cutoff: date) -> AreaStats:
    """Everything whose path lies in [low, high)."""
    areas = Area.objects.filter(_range("path", low, high)).aggregate(
        communities=Count("id", filter=Q(kind=AreaKind.COMMUNITY)),
        grids=Count("id", filter=Q(kind=AreaKind.GRID)),
        buildings=Count("id", filter=Q(kind=AreaKind.BUILDING)),
    )
    households = Household.objects.filter(_range("area_path", low, high)).aggregate(households=Count("id"))
    residents = Resident.objects.filter(_range("area_path", low, high)).aggregate(
        residents=Count("id"),
        floating=Count("id", filter=Q(residence_type=ResidenceType.FLOATING)),
        elderly=Count("id", filter=Q(birth_date__lte=cutoff)),
        party_members=Count("id", filter=~Q(party_member_kind="")),
    )
    branches = PartyOrg.objects.filter(_range("area_path", low, high), kind=PartyOrgKind.BRANCH).aggregate(
        party_branches=Count("id")
    )
    return AreaStats(**areas, **households, **residents, **branches)


def totals(area: Area, *, today: date | None = None) -> AreaStats:
    return count_range(area.path, upper_bound(area.path), birth_cutoff(ELDERLY_AGE, today))


def compute(area: Area, *, today: date | None = None) -> StatsTable:
    """Totals of an area and a row per child area."""
    cutoff = birth_cutoff(ELDERLY_AGE, today)
    kids = list(Area.objects.filter(parent=area).order_by("path"))
    total = AreaStats()
    rows = []
    cursor = area.path  # the start of the next gap
    for kid in kids:
        if cursor < kid.path:
            total.add(count_range(cursor, kid.path, cutoff))
        stats = count_range(kid.path, upper_bound(kid.path), cutoff)
        rows.append((kid, stats))
        total.add(stats)
        cursor = upper_bound(kid.path)
    end = upper_bound(area.path)
    if cursor < end:
        total.add(count_range(cursor, end, cutoff))
    return StatsTable(area=area, total=total, rows=rows)


def area_stats(viewer: Any, code: str) -> AreaStats:
    area = get_area(viewer, code, Permission.STATS_VIEW)
    return totals(area)
