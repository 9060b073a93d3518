from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.access.audit import client_ip
from shequ.areas.selectors import get_area
from shequ.core.pagination import CappedPageNumberPagination
from shequ.people import selectors, services
from shequ.people.models import Resident

router = Router(tags=["居民"])


class HouseholdRef(Schema):
    id: int
    code: str
    address: str


class AreaRef(Schema):
    code: str
    name: str


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: date
    age: int
    id_number: str
    phone: str
    relation: str
    residence_type: str
    care_groups: list[str]
    party_member_kind: str
    household: HouseholdRef
    building: AreaRef

    @staticmethod
    def resolve_age(obj: Resident) -> int:
        return obj.age

    @staticmethod
    def resolve_id_number(obj: Resident) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj: Resident) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_care_groups(obj: Resident) -> list[str]:
        return obj.care_group_list

    @staticmethod
    def resolve_building(obj: Resident) -> Any:
        return obj.area


class UnmaskIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str


class UnmaskOut(Schema):
    field: str
    value: str


@router.get("/residents/", response=list[ResidentOut], summary="居民列表（脱敏）")
@paginate(CappedPageNumberPagination, page_size=50)
def list_residents(request: HttpRequest, area: str | None = None, q: str = "") -> Any:
    path = get_area(request.user, area).path if area else None
    return selectors.resident_list(request.user, area_path=path, q=q)


@router.get("/residents/{resident_id}", response=ResidentOut, summary="居民详情（脱敏）")
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    return selectors.get_resident(request.user, resident_id)


@router.post(
    "/residents/{resident_id}/unmask", response=UnmaskOut, summary="查看完整身份证号或电话（记入审计）"
)
def unmask(request: HttpRequest, resident_id: int, payload: UnmaskIn) -> dict[str, str]:
    value = services.unmask(request.user, resident_id, payload.field, payload.reason, ip=client_ip(request))
    return {"field": payload.field, "value": value}
