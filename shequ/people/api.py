from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.access.audit import client_ip
from shequ.access.masking import shown_to
from shequ.access.roles import Permission
from shequ.access.scope import can, has_anywhere
from shequ.areas.selectors import get_area
from shequ.core.api import Number, Ref, one_of, one_of_query
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.numbers import days_param, month_error, month_param
from shequ.core.pagination import CappedPageNumberPagination
from shequ.people import selectors, services
from shequ.people.models import CareKind, CareRecord, FloatingProfile, Resident, Visit, VisitPlan

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
    # The birth date is eight digits of the ID number: with the masked number's last four
    # and the place's code it gives the whole number back. Masked views carry the year.
    birth_year: int
    age: int
    id_number: str
    phone: str
    relation: str
    residence_type: str
    care_groups: list[str]
    party_member_kind: str
    # The member's party branch, by name, as the resident's page shows it: 党员：社区党员（第一党支部）.
    party_org: str | None = None
    household: HouseholdRef
    building: AreaRef

    @staticmethod
    def resolve_birth_year(obj: Resident) -> int:
        return obj.birth_date.year

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
    def resolve_care_groups(obj: Resident, context: Any) -> list[str]:
        # Only for those who run the care lists there, or the resident's own household.
        viewer = context["request"].user
        return obj.care_group_list if selectors.may_see_care_groups(viewer, obj) else []

    @staticmethod
    def resolve_party_org(obj: Resident) -> str | None:
        return obj.party_org.name if obj.party_org_id and obj.party_org is not None else None

    @staticmethod
    def resolve_building(obj: Resident) -> Any:
        return obj.area


class UnmaskIn(Schema):
    field: Literal["id_number", "phone", "permit_number"]
    reason: str


class UnmaskOut(Schema):
    field: str
    value: str


@router.get("/residents/", response=list[ResidentOut], summary="居民列表（脱敏）")
@paginate(CappedPageNumberPagination, page_size=50)
def list_residents(request: HttpRequest, area: str | None = None, q: str = "") -> Any:
    path = get_area(request.user, area).path if area else None
    services.note_number_search(request.user, q)
    return selectors.resident_list(request.user, area_path=path, q=q)


@router.get("/residents/{resident_id}", response=ResidentOut, summary="居民详情（脱敏）")
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    return selectors.get_resident(request.user, resident_id)


@router.post(
    "/residents/{resident_id}/unmask",
    response=UnmaskOut,
    summary="查看完整身份证号、电话或居住证号（记入审计）",
)
def unmask(request: HttpRequest, resident_id: int, payload: UnmaskIn) -> dict[str, str]:
    value = services.unmask(request.user, resident_id, payload.field, payload.reason, ip=client_ip(request))
    return {"field": payload.field, "value": value}


class NameIn(Schema):
    name: str


@router.post(
    "/residents/{resident_id}/name",
    response=ResidentOut,
    summary="更正居民姓名（维护本社区名册的工作人员；记入审计）",
)
def correct_name(request: HttpRequest, resident_id: int, payload: NameIn) -> Resident:
    return services.correct_name(request.user, resident_id, payload.name, ip=client_ip(request))


class IdNumberIn(Schema):
    id_number: str


@router.post(
    "/residents/{resident_id}/id-number",
    response=ResidentOut,
    summary="更正居民身份证号（维护本社区名册、可查看完整身份证号的工作人员；记入审计）",
)
def correct_id_number(request: HttpRequest, resident_id: int, payload: IdNumberIn) -> Resident:
    return services.correct_id_number(request.user, resident_id, payload.id_number, ip=client_ip(request))


# ---------------------------------------------------------------------------------------
# Visits, floating population, care groups.


class NeedIn(Schema):
    description: str
    category: str = ""


class VisitIn(Schema):
    visited_on: date
    people_met: str
    situation: str
    thoughts: str = ""
    income_level: str = ""
    health: str = ""
    follow_up_on: date | None = None
    needs: list[NeedIn] = []


def _shown(context: Any, writer_id: int, text: str) -> str:
    return shown_to(context["request"].user, writer_id, text)


class NeedOut(Schema):
    id: int
    description: str
    category: str
    problem_id: int | None

    @staticmethod
    def resolve_description(obj: Any, context: Any) -> str:
        return _shown(context, obj.visit.visitor_id, obj.description)


class VisitOut(Schema):
    id: int
    household: HouseholdRef
    visitor: str
    visited_on: date
    people_met: str
    situation: str
    thoughts: str
    income_level: str
    health: str
    follow_up_on: date | None
    needs: list[NeedOut]

    @staticmethod
    def resolve_visitor(obj: Visit) -> str:
        return str(obj.visitor)

    # Numbers typed into the notes are masked for all but their writer, as on the pages.
    @staticmethod
    def resolve_people_met(obj: Visit, context: Any) -> str:
        return _shown(context, obj.visitor_id, obj.people_met)

    @staticmethod
    def resolve_situation(obj: Visit, context: Any) -> str:
        return _shown(context, obj.visitor_id, obj.situation)

    @staticmethod
    def resolve_thoughts(obj: Visit, context: Any) -> str:
        return _shown(context, obj.visitor_id, obj.thoughts)

    @staticmethod
    def resolve_needs(obj: Visit) -> Any:
        return obj.needs.all()


class ProblemRef(Schema):
    id: int
    source: str
    status: str


class NeedProblemIn(Schema):
    category: str = ""


class CoverageOut(Schema):
    label: str
    code: str
    households: int
    visited: int
    planned: int
    rate: float | None  # null when there are no households to divide by
    active: bool  # a worker's account is on; one stopped is listed only for its period's work


class CoverageReport(Schema):
    area: str
    month: str
    grids: list[CoverageOut]
    workers: list[CoverageOut]


class UnvisitedOut(Schema):
    id: int
    code: str
    address: str
    building: AreaRef
    last_visit: date | None


class PlanIn(Schema):
    grid: str
    month: str
    worker_id: Ref
    target_households: Number
    note: str = ""


class PlanOut(Schema):
    id: int
    grid: str
    month: str
    worker_id: int
    target_households: int
    note: str

    @staticmethod
    def resolve_grid(obj: VisitPlan) -> str:
        return obj.grid.code


class ResidentRef(Schema):
    id: int
    name: str


class LandlordRef(Schema):
    id: int | None  # None: the landlord lives outside the caller's scope (name 辖区外)
    name: str


class FloatingOut(Schema):
    resident: ResidentRef
    registered: bool  # false: registered as 流动人口 but nothing recorded yet (待补登记)
    landlord: LandlordRef | None
    lease_start: date | None
    lease_end: date | None
    employer: str
    permit_number: str
    permit_expires: date | None
    origin: str
    arrived_on: date | None
    left_on: date | None

    @staticmethod
    def resolve_registered(obj: FloatingProfile) -> bool:
        return obj.pk is not None

    @staticmethod
    def resolve_permit_number(obj: FloatingProfile) -> str:
        return obj.permit_number_masked

    @staticmethod
    def resolve_landlord(obj: FloatingProfile, context: dict[str, Any]) -> Resident | None:
        return selectors.shown_landlord(context["request"].user, obj)


class FloatingIn(Schema):
    landlord_id: Ref | None = None
    lease_start: date | None = None
    lease_end: date | None = None
    employer: str = ""
    permit_number: str = ""
    permit_expires: date | None = None
    origin: str = ""
    arrived_on: date | None = None
    left_on: date | None = None


class LandlordOut(Schema):
    landlord: LandlordRef
    phone: str
    tenants: list[FloatingOut]


class CareResidentOut(ResidentOut):
    care_count: int
    last_care: date | None


class CareIn(Schema):
    kind: Annotated[str, one_of(CareKind.values)]
    content: str
    cared_on: date | None = None


class CareOut(Schema):
    id: int
    resident_id: int
    carer: str
    cared_on: date
    kind: str
    content: str

    @staticmethod
    def resolve_carer(obj: CareRecord) -> str:
        return str(obj.carer)

    @staticmethod
    def resolve_content(obj: CareRecord, context: Any) -> str:
        return _shown(context, obj.carer_id, obj.content)


def _path(request: HttpRequest, area: str | None, permission: Permission) -> str | None:
    return get_area(request.user, area, permission).path if area else None


@router.get("/visits/", response=list[VisitOut], summary="走访记录")
@paginate(CappedPageNumberPagination, page_size=50)
def list_visits(request: HttpRequest, area: str | None = None) -> Any:
    path = _path(request, area, Permission.VISIT_RECORD)
    return selectors.visit_list(request.user, area_path=path).prefetch_related("needs")


@router.post("/households/{household_id}/visits", response={201: VisitOut}, summary="记录走访")
def record_visit(request: HttpRequest, household_id: int, payload: VisitIn) -> Any:
    data = services.VisitInput(
        visited_on=payload.visited_on,
        people_met=payload.people_met,
        situation=payload.situation,
        thoughts=payload.thoughts,
        income_level=payload.income_level,
        health=payload.health,
        follow_up_on=payload.follow_up_on,
        needs=tuple((n.description, n.category) for n in payload.needs),
    )
    visit = services.record_visit(request.user, household_id, data, ip=client_ip(request))
    return Status(201, selectors.get_visit(request.user, visit.pk))


@router.get("/visits/coverage", response=CoverageReport, summary="走访覆盖率（按网格、按网格员）")
def visit_coverage(request: HttpRequest, area: str, month: str) -> Any:
    where = get_area(request.user, area, Permission.VISIT_RECORD)
    if month_param(month) != month:
        raise ValidationFailed({"month": month_error(month)})
    year, mon = int(month[:4]), int(month[4:])
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1)
    grids, workers = selectors.coverage(request.user, where, start, end)
    return {"area": where.code, "month": month, "grids": grids, "workers": workers}


@router.get("/visits/{visit_id}", response=VisitOut, summary="走访详情")
def get_visit(request: HttpRequest, visit_id: int) -> Visit:
    return selectors.get_visit(request.user, visit_id)


@router.post("/visit-needs/{need_id}/problem", response={201: ProblemRef}, summary="走访需求转入问题清单")
def need_to_problem(request: HttpRequest, need_id: int, payload: NeedProblemIn) -> Any:
    problem = services.need_to_problem(request.user, need_id, payload.category, ip=client_ip(request))
    return Status(201, problem)


@router.get("/households/unvisited", response=list[UnvisitedOut], summary="N天内未走访的户")
@paginate(CappedPageNumberPagination, page_size=50)
def unvisited(request: HttpRequest, area: str | None = None, days: int = 90) -> Any:
    path = _path(request, area, Permission.VISIT_RECORD)
    # Checked as the page checks it: -5 is named, not taken as 1; 1000000 is named, not
    # left to overflow the date arithmetic.
    return selectors.households_not_visited(request.user, area_path=path, days=days_param(days))


@router.post("/visit-plans", response={201: PlanOut}, summary="制定走访计划")
def plan_visits(request: HttpRequest, payload: PlanIn) -> Any:
    plan = services.plan_visits(
        request.user, payload.grid, payload.month, payload.worker_id, payload.target_households, payload.note
    )
    return Status(201, plan)


@router.get("/floating/", response=list[FloatingOut], summary="流动人口（可筛选30天内到期的居住证或租约）")
@paginate(CappedPageNumberPagination, page_size=50)
def list_floating(
    request: HttpRequest,
    area: str | None = None,
    expiring: str = one_of_query(["permit", "lease"]),
    left: bool = False,
) -> Any:
    """``expiring=permit`` or ``lease``: those ending within 30 days. ``left=true``: 已离开,
    those whose 离开日期 has come (off the list and the 流动人口 count), most recent first."""
    if expiring not in ("", "permit", "lease"):
        raise ValidationFailed({"expiring": "只能是 permit（居住证）或 lease（租约）"})
    if expiring and left:
        raise ValidationFailed({"left": "left（已离开）不能与 expiring 同时使用"})
    path = _path(request, area, Permission.FLOATING_MANAGE)
    return selectors.floating_rows(request.user, expiring or ("left" if left else "all"), area_path=path)


@router.get("/floating/landlords", response=list[LandlordOut], summary="房东名册及租户（按房东分页）")
@paginate(CappedPageNumberPagination, page_size=50)
def list_landlords(request: HttpRequest, area: str | None = None) -> Any:
    """50 landlords a page, each with all their tenants; those outside the caller's scope
    are one row named 辖区外, last."""
    path = _path(request, area, Permission.FLOATING_MANAGE)
    return selectors.LandlordRoster(request.user, area_path=path)


@router.put("/residents/{resident_id}/floating", response=FloatingOut, summary="登记流动人口租住与居住证信息")
def set_floating(request: HttpRequest, resident_id: int, payload: FloatingIn) -> Any:
    data = services.FloatingInput(**payload.dict())
    return services.set_floating(request.user, resident_id, data, ip=client_ip(request))


@router.get("/care/", response=list[CareResidentOut], summary="重点人群名单（年龄按出生日期计算）")
@paginate(CappedPageNumberPagination, page_size=50)
def list_care(
    request: HttpRequest, group: str = one_of_query(selectors.CARE_LISTS, ...), area: str | None = None
) -> Any:
    if group not in selectors.CARE_LISTS:
        raise ValidationFailed({"group": "人群类别不存在：" + "、".join(selectors.CARE_LISTS)})
    if not has_anywhere(request.user, Permission.CARE_MANAGE):
        raise NotFound("名单")
    path = _path(request, area, Permission.CARE_MANAGE)
    return selectors.care_list(request.user, group, area_path=path)


@router.get(
    "/residents/{resident_id}/care-records", response=list[CareOut], summary="关爱记录（最新在前，分页）"
)
@paginate(CappedPageNumberPagination, page_size=50)
def list_care_records(request: HttpRequest, resident_id: int) -> Any:
    resident = selectors.get_resident(request.user, resident_id)
    if not can(request.user, Permission.CARE_MANAGE, resident.area_path):
        raise NotFound("居民")
    return selectors.care_records(request.user, resident)


@router.post("/residents/{resident_id}/care-records", response={201: CareOut}, summary="记录关爱")
def add_care_record(request: HttpRequest, resident_id: int, payload: CareIn) -> Any:
    record = services.record_care(
        request.user, resident_id, payload.kind, payload.content, payload.cared_on, ip=client_ip(request)
    )
    return Status(201, record)
