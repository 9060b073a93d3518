from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shequ.core.pagination import CappedPaginator
from shequ.notifications.models import Notification
from shequ.notifications.services import mark_all_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = CappedPaginator(Notification.objects.filter(user_id=int(request.user.pk or 0)), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_all_read(request.user)
    return redirect("notifications")
