"""The user's own in-app notifications (站内通知), as the inbox page shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from shequ.core.pagination import CappedPageNumberPagination
from shequ.notifications import selectors, services

router = Router(tags=["通知"])


class NoticeOut(Schema):
    id: int
    text: str
    link: str  # the page it speaks of (a path on this site), or ""
    created_at: datetime
    read_at: datetime | None


class NoticePagination(CappedPageNumberPagination):
    """The capped page, and how many of the user's notices are unread (the badge): at most
    99, ``unread_exact`` false when there are more (shown as "99+")."""

    class Output(CappedPageNumberPagination.Output):
        unread: int
        unread_exact: bool

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        unread, exact = selectors.unread_count(request.user)
        return {**page, "unread": unread, "unread_exact": exact}


@router.get("/notifications/", response=list[NoticeOut], summary="我的通知（最新在前；unread：未读数）")
@paginate(NoticePagination, page_size=30)
def notifications(request: HttpRequest) -> Any:
    return selectors.notices(request.user)


class ReadAllOut(Schema):
    marked: int  # how many were unread
    unread: int


@router.post("/notifications/read", response=ReadAllOut, summary="全部标为已读（upto：只标到这一条为止）")
def read_all(request: HttpRequest, upto: int | None = Query(None, ge=1, le=2**63 - 1)) -> Any:
    # ``upto``: the newest id the app listed, so that a notice that came after the list
    # was shown is not marked read unseen.
    marked = services.mark_all_read(request.user, upto)
    return {"marked": marked, "unread": selectors.unread_count(request.user)[0]}


@router.post("/notifications/{notice_id}/read", response=NoticeOut, summary="一条通知标为已读")
def read_one(request: HttpRequest, notice_id: int) -> Any:
    return services.mark_read(request.user, notice_id)
