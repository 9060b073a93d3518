from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shequ.core.errors import NotFound
from shequ.core.numbers import ID_MAX, whole
from shequ.core.pagination import CappedPaginator
from shequ.notifications import selectors
from shequ.notifications.services import mark_all_read, mark_read


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = CappedPaginator(selectors.notices(request.user), 30).get_page(request.GET.get("page"))
    upto = selectors.newest_id(request.user)
    return render(request, "notifications/inbox.html", {"page": page, "upto": upto})


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    # Up to the newest notice the page showed: one that came since stays unread (a form
    # without it, or with something else, marks them all as before).
    mark_all_read(request.user, whole(request.POST.get("upto", ""), low=1, high=ID_MAX))
    return redirect("notifications")


@login_required
def open_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """A notice opened from the inbox: marked read, then its page (the badge counted what
    had been read until 全部标为已读)."""
    try:
        notice = mark_read(request.user, notice_id)
    except NotFound:
        raise Http404 from None
    local = url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None)
    return redirect(notice.link if notice.link and local else "notifications")
