from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shequ.access.roles import Permission, Role
from shequ.access.scope import assignments
from shequ.areas.selectors import home_areas
from shequ.people.models import Household
from shequ.reports.selectors import compute


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Street dashboard for a street admin, community page for a secretary, and so on:
    one stats table for each top-most area the user may see statistics of."""
    user = request.user
    tables = [compute(area) for area in home_areas(user, Permission.STATS_VIEW)]
    if not tables:
        # A resident's own household: the one their resident role names, not the first
        # they may see (for a building head that was a neighbour's).
        homes = [path for role, path in assignments(user) if role == Role.RESIDENT]
        own = Household.objects.filter(area_path__in=homes).values_list("pk", flat=True).first()
        if own is not None:
            return redirect("household", household_id=own)
    others = home_areas(user, Permission.AREA_VIEW) if not tables else []
    return render(request, "reports/home.html", {"tables": tables, "areas": others})
