from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from shequ.access.audit import client_ip
from shequ.access.roles import UNMASK_PERMISSION, Permission
from shequ.access.scope import can, has_anywhere
from shequ.areas.selectors import get_area
from shequ.core.errors import DomainError
from shequ.core.pagination import CappedPaginator
from shequ.people import selectors, services


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    code = request.GET.get("area", "").strip()
    q = request.GET.get("q", "").strip()
    area = get_area(user, code) if code else None
    residents = selectors.resident_list(user, area_path=area.path if area else None, q=q)
    page = CappedPaginator(residents, 50).get_page(request.GET.get("page"))
    template = (
        "people/partials/resident_rows.html"
        if getattr(request, "htmx", False)
        else "people/resident_list.html"
    )
    can_full_export = has_anywhere(user, Permission.REGISTRY_EXPORT) and (
        has_anywhere(user, Permission.UNMASK_ID_NUMBER) or has_anywhere(user, Permission.UNMASK_PHONE)
    )
    return render(request, template, {"page": page, "area": area, "q": q, "can_full_export": can_full_export})


@login_required
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident(request.user, resident_id)
    unmaskable = [
        field
        for field, perm in UNMASK_PERMISSION.items()
        if can(request.user, perm, resident.area_path)
        and (resident.id_number_enc if field == "id_number" else resident.phone_enc)
    ]
    return render(request, "people/resident_detail.html", {"resident": resident, "unmaskable": unmaskable})


@login_required
@require_POST
def resident_unmask(request: HttpRequest, resident_id: int) -> HttpResponse:
    field = request.POST.get("field", "")
    reason = request.POST.get("reason", "")
    try:
        value = services.unmask(request.user, resident_id, field, reason, ip=client_ip(request))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render(
            request,
            "people/partials/unmask_form.html",
            {"resident_id": resident_id, "field": field, "reason": reason, "error": exc},
            status=exc.status,
        )
    return render(request, "people/partials/unmasked.html", {"field": field, "value": value})


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.get_household(request.user, household_id)
    members = selectors.household_members(request.user, household)
    return render(request, "people/household_detail.html", {"household": household, "members": members})
