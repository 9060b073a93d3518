from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.access.roles import Permission
from shequ.access.scope import can
from shequ.areas import selectors
from shequ.reports.selectors import compute


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    area = selectors.get_area(user, code)
    table = compute(area) if can(user, Permission.STATS_VIEW, area.path) else None
    context = {
        "area": area,
        "crumbs": selectors.breadcrumbs(user, area),
        "children": selectors.children(user, area),
        "table": table,
        "grids": selectors.grid_features(user, area),
        "tile_url": settings.MAP_TILE_URL,
        "can_see_residents": can(user, Permission.RESIDENT_VIEW, area.path),
    }
    return render(request, "areas/area_detail.html", context)
