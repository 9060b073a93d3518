from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.reports.selectors import area_stats

router = Router(tags=["统计"])


class StatsOut(Schema):
    communities: int
    grids: int
    buildings: int
    households: int
    residents: int
    floating: int
    elderly: int
    party_branches: int
    party_members: int


@router.get("/areas/{code}/stats", response=StatsOut, summary="区域统计（由记录实时计数）")
def get_area_stats(request: HttpRequest, code: str) -> dict[str, int]:
    return area_stats(request.user, code).as_dict()
