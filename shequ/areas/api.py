from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.areas import selectors
from shequ.areas.models import Area, AreaKind
from shequ.core.api import choice, one_of, one_of_query
from shequ.core.pagination import CappedPageNumberPagination

router = Router(tags=["区域"])


class AreaOut(Schema):
    code: str
    name: str
    kind: Annotated[str, one_of(AreaKind.values)]
    kind_label: str
    parent: str | None
    path: str
    depth: int

    @staticmethod
    def resolve_kind_label(obj: Area) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        parts = [p for p in obj.path.split("/") if p]
        return parts[-2] if len(parts) > 1 else None


class AreaDetailOut(AreaOut):
    geometry: dict[str, Any] | None


@router.get("/areas/", response=list[AreaOut], summary="区域列表")
@paginate(CappedPageNumberPagination, page_size=100)
def list_areas(
    request: HttpRequest,
    kind: str = one_of_query(AreaKind.values),
    parent: str | None = None,
    within: str | None = None,
) -> Any:
    # A misspelt kind is named, not answered with an empty list that looks like "none".
    choice("kind", "区域类型", kind, AreaKind.values)
    return selectors.area_list(request.user, kind=kind or None, parent=parent, within=within)


@router.get("/areas/{code}", response=AreaDetailOut, summary="区域详情")
def get_area(request: HttpRequest, code: str) -> Area:
    return selectors.get_area(request.user, code)
