"""Paging for lists that may hold a million rows: the total is counted only up to a cap.

An exact COUNT over a whole street's registry reads a million index entries on every
page view; counting at most ``COUNT_CAP + 1`` rows answers "how many pages" for any
list a person pages through, and says "10,000+" beyond that (search or filter to narrow).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

COUNT_CAP = 10_000


def capped_count(qs: Any) -> tuple[int, bool]:
    """(count, exact): at most COUNT_CAP, and whether that is the true total."""
    # A list may say which rows to count, written for the indexes a count wants.
    qs = getattr(qs, "count_source", qs)
    if not hasattr(qs, "query"):
        return len(qs), True
    n = qs.order_by()[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n <= COUNT_CAP


class CappedPaginator(Paginator):
    """A Django paginator whose count stops at COUNT_CAP (``count_exact`` says so)."""

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        return capped_count(self.object_list)

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self._capped[0]

    @property
    def count_exact(self) -> bool:
        return self._capped[1]


class CappedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)  # a list counts to 10,001 rows at most

    class Output(Schema):
        items: list[Any]
        count: int
        count_exact: bool

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        offset = (pagination.page - 1) * self.page_size
        count, exact = capped_count(queryset)
        return {"items": queryset[offset : offset + self.page_size], "count": count, "count_exact": exact}
