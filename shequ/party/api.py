"""The JSON API of party work: 双报到 (party members reporting to a community)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.access.audit import client_ip
from shequ.access.roles import Permission
from shequ.access.scope import staff_only
from shequ.core.api import Body
from shequ.core.pagination import CappedPageNumberPagination
from shequ.party import selectors, services
from shequ.party.models import DualRegistration

router = Router(tags=["党建"])


class DualRegistrationIn(Body):
    community: str  # the community's division code
    username: str  # the member's login
    unit: str = ""  # 工作单位


class DualRegistrationOut(Schema):
    id: int
    community: str
    community_name: str
    username: str
    name: str
    unit: str
    registered_at: datetime

    @staticmethod
    def resolve_community(obj: DualRegistration) -> str:
        return obj.community.code

    @staticmethod
    def resolve_community_name(obj: DualRegistration) -> str:
        return obj.community.name

    @staticmethod
    def resolve_username(obj: DualRegistration) -> str:
        return obj.user.username

    @staticmethod
    def resolve_name(obj: DualRegistration) -> str:
        resident = obj.user.resident
        return resident.name if resident is not None else str(obj.user)


@router.get(
    "/party/dual-registrations",
    response=list[DualRegistrationOut],
    summary="双报到党员（工作人员：管辖社区的）",
)
@paginate(CappedPageNumberPagination, page_size=50)
def dual_registrations(request: HttpRequest) -> Any:
    staff_only(request.user, Permission.TASK_VIEW, "只有工作人员可以查看双报到党员")
    return selectors.dual_registrations(request.user)


@router.post(
    "/party/dual-registrations",
    response={201: DualRegistrationOut},
    summary="登记双报到：党员到社区报到后，可领本社区的公开任务",
)
def register_dual(request: HttpRequest, payload: DualRegistrationIn) -> Any:
    found = services.register_dual(
        request.user, payload.community, payload.username, payload.unit, ip=client_ip(request)
    )
    return Status(201, selectors.dual_registrations(request.user).get(pk=found.pk))


@router.delete("/party/dual-registrations/{registration_id}", response={204: None}, summary="撤销双报到登记")
def end_dual(request: HttpRequest, registration_id: int) -> Any:
    services.end_dual(request.user, registration_id, ip=client_ip(request))
    return Status(204, None)
