"""Counts for dashboards and the stats API, computed from the records every time.

Each count is a plain aggregate over a path range, which both databases answer from an
index without sorting: the totals of an area are one range per table. Its per-child table
is one statement per table that walks the children and counts each child's range on the
same index (a join, grouped by child), and one more for the gaps between the children
(records placed on the area itself), so the page costs the same few queries for 3
children or 300, reads each row once, and the rows always add up to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from shequ.access.roles import Permission
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import upper_bound
from shequ.areas.selectors import get_area
from shequ.party.models import PartyOrg, PartyOrgKind
from shequ.people.models import FloatingProfile, Household, ResidenceType, Resident

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
    # What is placed on the area itself, under none of its children (a community's party
    # branches): a row of its own, so that the rows add up to the total. None when empty.
    direct: AreaStats | None = None

    @property
    def cards(self) -> list[str]:
        """The count cards of the kinds that lie below the area: a community's page said
        社区 1 (itself), a grid's 网格 1."""
        below = {
            AreaKind.STREET: ("communities", "grids", "buildings"),
            AreaKind.COMMUNITY: ("grids", "buildings"),
            AreaKind.GRID_STATION: ("grids", "buildings"),
            AreaKind.ESTATE: ("grids", "buildings"),
            AreaKind.GRID: ("buildings",),
        }
        return list(below.get(AreaKind(self.area.kind), ()))

    @property
    def shows_grids(self) -> bool:
        """A 网格 column only where a row may hold grids: a grid's row counts itself (1 on
        every row of a community's table) and a building's none."""
        return any(kid.kind not in (AreaKind.GRID, AreaKind.BUILDING) for kid, _ in self.rows)

    @property
    def shows_buildings(self) -> bool:
        """A 楼栋 column only where a row may hold buildings (a grid's rows are buildings)."""
        return any(kid.kind != AreaKind.BUILDING for kid, _ in self.rows)


def birth_cutoff(age: int, today: date | None = None) -> date:
    """The latest birth date of someone who is at least ``age`` years old today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age, day=28)


def _ranges(field_name: str, ranges: Sequence[tuple[str, str]]) -> Q:
    q = Q()
    for low, high in ranges:
        q |= Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})
    return q


def _present_floating(today: date | None = None) -> Q:
    """Residents registered as 流动人口 who have not left: a departure date (离开日期,
    ``FloatingProfile.left_on``) today or earlier takes them off the 流动人口 count, as
    off the 流动人口 list (people.selectors.floating_list)."""
    today = today or timezone.localdate()
    gone = FloatingProfile.objects.filter(resident=OuterRef("pk"), left_on__lte=today)
    return Q(~Exists(gone), residence_type=ResidenceType.FLOATING)


def count_ranges(ranges: Sequence[tuple[str, str]], cutoff: date, today: date | None = None) -> AreaStats:
    """Everything whose path lies in one of the [low, high) ranges (which must not overlap)."""
    areas = Area.objects.filter(_ranges("path", ranges)).aggregate(
        communities=Count("id", filter=Q(kind=AreaKind.COMMUNITY)),
        grids=Count("id", filter=Q(kind=AreaKind.GRID)),
        buildings=Count("id", filter=Q(kind=AreaKind.BUILDING)),
    )
    households = Household.objects.filter(_ranges("area_path", ranges)).aggregate(households=Count("id"))
    residents = Resident.objects.filter(_ranges("area_path", ranges)).aggregate(
        residents=Count("id"),
        floating=Count("id", filter=_present_floating(today)),
        elderly=Count("id", filter=Q(birth_date__lte=cutoff)),
        party_members=Count("id", filter=~Q(party_member_kind="")),
    )
    branches = PartyOrg.objects.filter(_ranges("area_path", ranges), kind=PartyOrgKind.BRANCH).aggregate(
        party_branches=Count("id")
    )
    return AreaStats(**areas, **households, **residents, **branches)


def count_range(low: str, high: str, cutoff: date, today: date | None = None) -> AreaStats:
    """Everything whose path lies in [low, high)."""
    return count_ranges([(low, high)], cutoff, today)


def totals(area: Area, *, today: date | None = None) -> AreaStats:
    return count_range(area.path, upper_bound(area.path), birth_cutoff(ELDERLY_AGE, today), today)


# One statement per table: the outer loop walks the area's children (SQLite keeps the
# CROSS JOIN's order), the inner one counts each child's path range on the index as
# count_range() does, and the groups come out in child order (no sort on either side).
# A child's upper bound is its path with the closing "/" made "0" (paths.upper_bound).
_PER_CHILD = (
    "SELECT c.id, {counts} FROM {areas} c CROSS JOIN {table} t"
    " WHERE c.parent_id = %s AND t.{path} >= c.path"
    " AND t.{path} < (substr(c.path, 1, length(c.path) - 1) || '0'){where}"
    " GROUP BY c.id"
)

# A resident of the floating count: registered as 流动人口 and no departure date come yet.
_PRESENT_FLOATING = (
    "COUNT(CASE WHEN t.residence_type = %s AND NOT EXISTS (SELECT 1 FROM {profiles} f"
    " WHERE f.resident_id = t.id AND f.left_on <= %s) THEN 1 END)"
)


def _per_child(
    area: Area,
    model: Any,
    path: str,
    counts: dict[str, str],
    params: Sequence[Any] = (),
    where: str = "",
    where_params: Sequence[Any] = (),
) -> dict[int, dict[str, int]]:
    """{child id: {key: count}} for the children of ``area`` that hold any row of ``model``."""
    quote = connection.ops.quote_name
    sql = _PER_CHILD.format(
        counts=", ".join(counts.values()),
        areas=quote(Area._meta.db_table),
        table=quote(model._meta.db_table),
        path=path,
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, area.pk, *where_params])
        return {row[0]: dict(zip(counts, row[1:], strict=True)) for row in cursor.fetchall()}


def child_counts(area: Area, cutoff: date, today: date | None = None) -> dict[int, AreaStats]:
    """count_range() of every child of ``area``, in four statements whatever their number."""
    date_value = connection.ops.adapt_datefield_value(cutoff)
    today_value = connection.ops.adapt_datefield_value(today or timezone.localdate())
    # A floating resident whose departure date has come is not counted (_present_floating).
    floating = _PRESENT_FLOATING.format(profiles=connection.ops.quote_name(FloatingProfile._meta.db_table))
    found: dict[int, AreaStats] = {}
    parts = [
        _per_child(
            area,
            Area,
            "path",
            {
                "communities": "COUNT(CASE WHEN t.kind = %s THEN 1 END)",
                "grids": "COUNT(CASE WHEN t.kind = %s THEN 1 END)",
                "buildings": "COUNT(CASE WHEN t.kind = %s THEN 1 END)",
            },
            [AreaKind.COMMUNITY.value, AreaKind.GRID.value, AreaKind.BUILDING.value],
        ),
        _per_child(area, Household, "area_path", {"households": "COUNT(*)"}),
        _per_child(
            area,
            Resident,
            "area_path",
            {
                "residents": "COUNT(*)",
                "floating": floating,
                "elderly": "COUNT(CASE WHEN t.birth_date <= %s THEN 1 END)",
                "party_members": "COUNT(CASE WHEN t.party_member_kind <> '' THEN 1 END)",
            },
            [ResidenceType.FLOATING.value, today_value, date_value],
        ),
        _per_child(
            area,
            PartyOrg,
            "area_path",
            {"party_branches": "COUNT(*)"},
            where=" AND t.kind = %s",
            where_params=[PartyOrgKind.BRANCH.value],
        ),
    ]
    for part in parts:
        for child_id, values in part.items():
            stats = found.setdefault(child_id, AreaStats())
            for key, value in values.items():
                setattr(stats, key, value)
    return found


def compute(area: Area, *, today: date | None = None) -> StatsTable:
    """Totals of an area and a row per child area: the children's rows plus the gaps
    between them (records placed on the area itself, ``direct``), so each range is read
    once and the rows add up to the total."""
    cutoff = birth_cutoff(ELDERLY_AGE, today)
    kids = list(Area.objects.filter(parent=area).defer("geometry").order_by("path"))
    if not kids:
        return StatsTable(area=area, total=totals(area, today=today))
    counts = child_counts(area, cutoff, today)
    rows = [(kid, counts.get(kid.pk, AreaStats())) for kid in kids]
    starts = [area.path, *(upper_bound(kid.path) for kid in kids)]
    ends = [*(kid.path for kid in kids), upper_bound(area.path)]
    direct = count_ranges(
        [(low, high) for low, high in zip(starts, ends, strict=True) if low < high], cutoff, today
    )
    total = AreaStats()
    total.add(direct)
    for _, stats in rows:
        total.add(stats)
    # The area itself lies in its own range: it is counted in the total, not placed on itself.
    own = {AreaKind.COMMUNITY: "communities", AreaKind.GRID: "grids", AreaKind.BUILDING: "buildings"}.get(
        AreaKind(area.kind)
    )
    if own is not None:
        setattr(direct, own, getattr(direct, own) - 1)
    shown = direct if any(direct.as_dict().values()) else None
    return StatsTable(area=area, total=total, rows=rows, direct=shown)


def area_stats(viewer: Any, code: str) -> AreaStats:
    area = get_area(viewer, code, Permission.STATS_VIEW)
    return totals(area)
