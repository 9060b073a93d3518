"""Pages of party work: 双报到 (party members reporting to a community)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shequ.access.audit import client_ip
from shequ.access.roles import Permission
from shequ.access.scope import has_anywhere, staff_only
from shequ.areas.models import Area
from shequ.core.errors import DomainError, ValidationFailed
from shequ.core.numbers import ID_MAX, whole
from shequ.core.pagination import CappedPaginator
from shequ.party import selectors, services


@login_required
def dual(request: HttpRequest) -> HttpResponse:
    """双报到党员: the members reporting to the viewer's communities; staff who manage a
    community's tasks record one by the member's login, or end one."""
    staff_only(request.user, Permission.TASK_VIEW, "只有工作人员可以查看双报到党员")
    errors: dict[str, str] = {}
    values = {"community": "", "username": "", "unit": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        try:
            found = services.register_dual(
                request.user, values["community"], values["username"], values["unit"], ip=client_ip(request)
            )
            return redirect(reverse("party_dual") + f"?recorded={found.pk}")
        except ValidationFailed as exc:
            errors = dict(exc.fields) or {"form": exc.message}
        except DomainError as exc:
            errors = {"community": exc.message}
    communities = (
        Area.objects.visible_to(request.user, Permission.TASK_MANAGE)
        .filter(kind="community")
        .defer("geometry")
        .order_by("path")[:500]
    )
    listed = selectors.dual_registrations(request.user)
    recorded = whole(request.GET.get("recorded", ""), low=1, high=ID_MAX)
    return render(
        request,
        "party/dual.html",
        {
            "page": CappedPaginator(listed, 50).get_page(request.GET.get("page")),
            "communities": communities,
            "manager": has_anywhere(request.user, Permission.TASK_MANAGE),
            "values": values,
            "errors": errors,
            "recorded": listed.filter(pk=recorded).first() if recorded else None,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def dual_end(request: HttpRequest, registration_id: int) -> HttpResponse:
    services.end_dual(request.user, registration_id, ip=client_ip(request))
    return redirect("party_dual")
