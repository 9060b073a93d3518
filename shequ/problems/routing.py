"""Who handles a problem: the level from its category, the responsible party from the
level and the place. "小问题不出小区、大问题不出社区": estate-level problems stay with the
grid, community-level ones with the community, the rest go to the street or a department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shequ.access.models import User
from shequ.access.roles import Role
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import codes
from shequ.problems.models import LEVEL_ORDER, HandlingLevel, ProblemCategory, ResponsibleRole

# Which role answers for a responsible party, and at which kind of area it sits.
ROLE_FOR: dict[str, str] = {
    ResponsibleRole.GRID_LEADER: Role.GRID_WORKER,
    ResponsibleRole.COMMUNITY_STAFF: Role.COMMUNITY_STAFF,
    ResponsibleRole.FULL_TIME_STAFF: Role.COMMUNITY_STAFF,
    ResponsibleRole.SECRETARY: Role.COMMUNITY_SECRETARY,
    ResponsibleRole.STREET_OFFICE: Role.STREET_ADMIN,
    ResponsibleRole.DEPARTMENT: Role.STREET_ADMIN,
}
LEVEL_AREA_KIND: dict[str, tuple[str, ...]] = {
    HandlingLevel.ESTATE: (AreaKind.GRID, AreaKind.ESTATE),
    HandlingLevel.COMMUNITY: (AreaKind.COMMUNITY,),
    HandlingLevel.STREET: (AreaKind.STREET,),
    HandlingLevel.DEPARTMENT: (AreaKind.STREET,),
}
# Where the person answering for a party sits: a grid leader in the grid, community staff
# and the secretary in the community, the street office at the street. Seed 004's
# street-level matters (物业管理, 饮用水质量, 消防通道整改) are coordinated by the
# community's secretary, who files them with the street office and the joint meeting:
# the level is the street's, the person is the community's.
ROLE_SITS_AT: dict[str, str] = {
    ResponsibleRole.GRID_LEADER: HandlingLevel.ESTATE,
    ResponsibleRole.COMMUNITY_STAFF: HandlingLevel.COMMUNITY,
    ResponsibleRole.FULL_TIME_STAFF: HandlingLevel.COMMUNITY,
    ResponsibleRole.SECRETARY: HandlingLevel.COMMUNITY,
    ResponsibleRole.STREET_OFFICE: HandlingLevel.STREET,
    ResponsibleRole.DEPARTMENT: HandlingLevel.DEPARTMENT,
}
DEFAULT_ROLE_AT_LEVEL: dict[str, str] = {
    HandlingLevel.ESTATE: ResponsibleRole.GRID_LEADER,
    HandlingLevel.COMMUNITY: ResponsibleRole.COMMUNITY_STAFF,
    HandlingLevel.STREET: ResponsibleRole.STREET_OFFICE,
    HandlingLevel.DEPARTMENT: ResponsibleRole.DEPARTMENT,
}


@dataclass(frozen=True)
class Route:
    level: str
    role: str
    area: Area | None
    assignee: Any


def responsible_area(area_path: str, level: str) -> Area | None:
    """The area at ``level`` that contains the place (the grid itself for estate level;
    a place at community triage with no grid answers with its community)."""
    ancestors = list(Area.objects.filter(code__in=codes(area_path)).order_by("-depth"))
    for kind in LEVEL_AREA_KIND[level]:
        for area in ancestors:
            if area.kind == kind:
                return area
    if level == HandlingLevel.ESTATE:
        return responsible_area(area_path, HandlingLevel.COMMUNITY)
    return None


def first_holder(role: str, area: Area | None) -> Any:
    if area is None:
        return None
    return (
        User.objects.filter(is_active=True, assignments__role=role, assignments__path=area.path)
        .order_by("id")
        .first()
    )


def route(
    category: ProblemCategory, area_path: str, *, level: str | None = None, role: str | None = None
) -> Route:
    level = level or category.handling_level
    if role is None:
        role = category.responsible_role if level == category.handling_level else DEFAULT_ROLE_AT_LEVEL[level]
    area = responsible_area(area_path, level)
    sits = ROLE_SITS_AT[role]
    holder_area = area if sits == level else responsible_area(area_path, sits)
    return Route(level, role, area, first_holder(ROLE_FOR[role], holder_area))


def next_level(level: str) -> str | None:
    i = LEVEL_ORDER.index(HandlingLevel(level))
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None
