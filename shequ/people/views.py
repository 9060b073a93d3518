from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shequ.access.audit import client_ip
from shequ.access.roles import UNMASK_PERMISSION, Permission
from shequ.access.scope import can, has_anywhere
from shequ.areas.models import Area
from shequ.areas.selectors import get_area, home_areas
from shequ.core.days import day_typed
from shequ.core.errors import DomainError, RateLimited, ValidationFailed, busy_as_unavailable
from shequ.core.filters import unknown_choices
from shequ.core.numbers import ID_MAX, days_param, month_error, month_param, number_error, whole
from shequ.core.pagination import CappedPaginator
from shequ.notifications.services import mark_page_read
from shequ.people import selectors, services
from shequ.people.models import CareKind, Health, IncomeLevel, PartyMemberKind


@login_required
def resident_list(request: HttpRequest, export_error: Any = None, reason: str = "") -> HttpResponse:
    user = request.user
    code = request.GET.get("area", "").strip()
    q = request.GET.get("q", "").strip()
    area = get_area(user, code) if code else None
    services.note_number_search(user, q)
    residents = selectors.resident_list(user, area_path=area.path if area else None, q=q)
    page = CappedPaginator(residents, 50).get_page(request.GET.get("page"))
    template = (
        "people/partials/resident_rows.html"
        if getattr(request, "htmx", False)
        else "people/resident_list.html"
    )
    can_full_export = has_anywhere(user, Permission.REGISTRY_EXPORT) and _may_unmask(user)
    # A search swaps the rows only; the export buttons come along out of band, so they
    # export what the list now shows (they kept the search the page was loaded with).
    oob = template.endswith("resident_rows.html")
    response = render(
        request,
        template,
        {
            "page": page,
            "area": area,
            "q": q,
            "can_full_export": can_full_export,
            "oob": oob,
            "export_error": export_error,
            "reason": reason,
        },
    )
    if oob and sum(c.isdigit() for c in q) >= 7:
        # A search by a full ID number or phone stays out of the browser's history (and
        # so out of the address bar of a shared office PC).
        response["HX-Push-Url"] = "false"
    return response


@login_required
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident(request.user, resident_id)
    mark_page_read(request)  # 居住证、租期到期提醒 link here
    return _resident_page(request, resident)


def _resident_page(
    request: HttpRequest,
    resident: Any,
    name_error: DomainError | None = None,
    typed_name: str = "",
    id_error: DomainError | None = None,
    typed_id: str = "",
    party_error: DomainError | None = None,
    typed_party: dict[str, str] | None = None,
) -> HttpResponse:
    unmaskable = [
        field
        for field, perm in UNMASK_PERMISSION.items()
        if can(request.user, perm, resident.area_path) and services.encrypted_value(resident, field)
    ]
    can_floating = can(request.user, Permission.FLOATING_MANAGE, resident.area_path)
    # Landlord, lease, employer and permit are for those who manage the floating
    # population there, not for everyone who may open the resident (building heads).
    is_floating = can_floating and resident.residence_type == "floating"
    floating = getattr(resident, "floating", None) if is_floating else None
    context = {
        "resident": resident,
        "unmaskable": unmaskable,
        "can_floating": can_floating,
        "can_care": can(request.user, Permission.CARE_MANAGE, resident.area_path),
        "show_care_groups": selectors.may_see_care_groups(request.user, resident),
        "floating": floating,
        "landlord": selectors.shown_landlord(request.user, floating) if floating else None,
        "can_rename": can(request.user, Permission.REGISTRY_IMPORT, resident.area_path),
        "name_error": name_error,
        "typed_name": typed_name,
        "can_fix_id": can(request.user, Permission.REGISTRY_IMPORT, resident.area_path)
        and can(request.user, Permission.UNMASK_ID_NUMBER, resident.area_path),
        "id_error": id_error,
        "typed_id": typed_id,
        "party_error": party_error,
        "typed_party": typed_party
        or {"kind": resident.party_member_kind, "org": str(resident.party_org_id or "")},
        "party_kinds": PartyMemberKind.choices,
        "party_orgs": services.party_orgs_for(resident)
        if can(request.user, Permission.REGISTRY_IMPORT, resident.area_path)
        else [],
    }
    error = name_error or id_error or party_error
    return render(request, "people/resident_detail.html", context, status=error.status if error else 200)


def _corrected(request: HttpRequest, resident_id: int, field: str, kind: str, correct: Any) -> HttpResponse:
    """A correction posted from the resident's page (its name, its ID number): back to the
    page, or the page again with the message and what was typed, which the person who
    typed it reads back."""
    typed = request.POST.get(field, "")
    try:
        correct(request.user, resident_id, typed, ip=client_ip(request))
    except DomainError as exc:
        if exc.status == 404:
            raise
        resident = selectors.get_resident(request.user, resident_id)
        if kind == "name":
            return _resident_page(request, resident, name_error=exc, typed_name=typed)
        return _resident_page(request, resident, id_error=exc, typed_id=typed)
    return redirect("resident", resident_id=resident_id)


@login_required
@require_POST
def resident_rename(request: HttpRequest, resident_id: int) -> HttpResponse:
    """更正姓名 on the resident's page: a re-import does not change a registered name."""
    return _corrected(request, resident_id, "name", "name", services.correct_name)


@login_required
@require_POST
def resident_id_number(request: HttpRequest, resident_id: int) -> HttpResponse:
    """更正身份证号 on the resident's page: a re-import does not change a registered number."""
    return _corrected(request, resident_id, "id_number", "id", services.correct_id_number)


@login_required
@require_POST
def resident_party(request: HttpRequest, resident_id: int) -> HttpResponse:
    """党员信息 on the resident's page: the member kind and the branch."""
    typed = {"kind": request.POST.get("party_member_kind", ""), "org": request.POST.get("party_org", "")}
    try:
        org = whole(typed["org"], low=1, high=ID_MAX)
        if typed["org"].strip() and org is None:
            raise ValidationFailed({"party_org": "所选党组织不存在"})
        services.set_party_membership(request.user, resident_id, typed["kind"], org, ip=client_ip(request))
    except DomainError as exc:
        if exc.status == 404:
            raise
        resident = selectors.get_resident(request.user, resident_id)
        return _resident_page(request, resident, party_error=exc, typed_party=typed)
    return redirect("resident", resident_id=resident_id)


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
    can_visit = can(request.user, Permission.VISIT_RECORD, household.area_path)
    # The household's visits, newest first, ten a page: a monthly visit runs past ten in a year.
    visits = (
        CappedPaginator(selectors.visit_list(request.user, household=household), 10).get_page(
            request.GET.get("page")
        )
        if can_visit
        else None
    )
    return render(
        request,
        "people/household_detail.html",
        {"household": household, "members": members, "can_visit": can_visit, "page": visits},
    )


# ---------------------------------------------------------------------------------------
# Visits, floating population, care groups.


def _date(value: str) -> date | None:
    """A day as typed: the picker's 2026-11-22, or 2026/11/22, 2026年11月22日 where the
    browser has no picker (core.days)."""
    return day_typed(value)


DATE_FORMAT_ERROR = "日期格式应为 2026-11-22"


def _dates(post: Any, labels: dict[str, str]) -> tuple[dict[str, date | None], ValidationFailed | None]:
    """The form's date fields; one that is filled in but not a date is an error (not an
    empty date, which would erase the stored one)."""
    values: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name in labels:
        raw = (post.get(name, "") or "").strip()
        values[name] = _date(raw)
        if raw and values[name] is None:
            errors[name] = DATE_FORMAT_ERROR
    if not errors:
        return values, None
    wrong = "、".join(labels[name] for name in errors)
    return values, ValidationFailed(errors, f"{wrong}不是有效的日期")


VISIT_DATES = {"visited_on": "走访日期", "follow_up_on": "回访日期"}


def _scope_area(request: HttpRequest, permission: Permission) -> Area | None:
    if not has_anywhere(request.user, permission):
        raise Http404
    code = request.GET.get("area", "").strip()
    return get_area(request.user, code, permission) if code else None


def _categories() -> list[Any]:
    from shequ.problems.models import ProblemCategory

    return list(ProblemCategory.objects.filter(active=True).order_by("sort"))


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    area = _scope_area(request, Permission.VISIT_RECORD)
    visits = selectors.visit_list(request.user, area_path=area.path if area else None)
    page = CappedPaginator(visits, 30).get_page(request.GET.get("page"))
    return render(request, "people/visit_list.html", {"page": page, "area": area})


@login_required
def visit_new(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.get_household(request.user, household_id, Permission.VISIT_RECORD)
    error = None
    form: dict[str, Any] = {"visited_on": timezone.localdate().isoformat()}
    if request.method == "POST":
        form = dict(request.POST.dict())
        needs = tuple(zip(request.POST.getlist("need"), request.POST.getlist("need_category"), strict=False))
        form["needs"] = needs
        dates, bad_date = _dates(request.POST, VISIT_DATES)
        data = services.VisitInput(
            visited_on=dates["visited_on"],
            people_met=form.get("people_met", ""),
            situation=form.get("situation", ""),
            thoughts=form.get("thoughts", ""),
            income_level=form.get("income_level", ""),
            health=form.get("health", ""),
            follow_up_on=dates["follow_up_on"],
            needs=needs,
        )
        try:
            if bad_date is not None:  # not read as "no date": nothing is saved until it is fixed
                raise bad_date
            with busy_as_unavailable():  # a visit's notes typed on a phone come back
                visit = services.record_visit(request.user, household.pk, data, ip=client_ip(request))
            return redirect("visit", visit_id=visit.pk)
        except ValidationFailed as exc:
            error = exc
    context = {
        "household": household,
        "form": form,
        "error": error,
        "incomes": IncomeLevel.choices,
        "healths": Health.choices,
        "categories": _categories(),
        "need_rows": _need_rows(form.get("needs", ())),
    }
    return render(request, "people/visit_form.html", context, status=error.status if error else 200)


def _need_rows(needs: Any) -> list[tuple[str, str]]:
    """The form's need rows: those typed, then blank ones up to three (one to spare when
    all three were used). The blank rows sent with a refused form were kept and three
    more added each time: six rows on a phone after one mistake, nine after two."""
    typed = [(text, cat) for text, cat in needs if text.strip() or cat]
    return typed + [("", "")] * max(3 - len(typed), 1)


@login_required
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = selectors.get_visit(request.user, visit_id)
    mark_page_read(request)  # 回访提醒 link here
    return render(
        request,
        "people/visit_detail.html",
        {"visit": visit, "needs": visit.needs.select_related("problem"), "categories": _categories()},
    )


@login_required
@require_POST
def visit_need_problem(request: HttpRequest, need_id: int) -> HttpResponse:
    need = selectors.get_visit_need(request.user, need_id)
    try:
        services.need_to_problem(
            request.user, need.pk, request.POST.get("category", ""), ip=client_ip(request)
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        visit = need.visit
        context = {"visit": visit, "needs": visit.needs.select_related("problem"), "error": exc}
        context["categories"] = _categories()
        return render(request, "people/visit_detail.html", context, status=exc.status)
    return redirect("visit", visit_id=need.visit_id)


def _month_bounds(month: str) -> tuple[date, date]:
    year, mon = int(month[:4]), int(month[4:])
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1) - timedelta(days=1)
    return start, end


@login_required
def visit_coverage(request: HttpRequest) -> HttpResponse:
    """Coverage per grid and worker for a month, and the month's plans."""
    area = _scope_area(request, Permission.VISIT_RECORD)
    if area is None:
        area = home_areas(request.user, Permission.VISIT_RECORD).first()
        if area is None:
            raise Http404
    typed = request.GET.get("month", "").strip()
    month = month_param(typed) or f"{timezone.localdate():%Y%m}"
    # A month that is not one is named beside the box, not replaced by this month unsaid.
    bad_month = month_error(typed) if typed and not month_param(typed) else ""
    error: DomainError | None = None
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "").strip()
            for k in ("grid", "month", "worker", "target_households", "note")
        }
        planned = month_param(values["month"]) or values["month"]
        target = whole(values["target_households"])
        try:
            if target is None and values["target_households"]:
                # "abc" or a number too long was told "至少为1" as if it were 0.
                said = number_error(values["target_households"], "计划走访户数", low=1)
                raise ValidationFailed({"target_households": said})
            services.plan_visits(
                request.user,
                values["grid"],
                planned,
                whole(values["worker"], high=ID_MAX) or 0,
                target or 0,
                values["note"],
            )
            # To the month planned, where the plan shows (not the month the page was on).
            return redirect(f"{reverse('visits_coverage')}?area={area.code}&month={planned}")
        except DomainError as exc:
            error = exc
    start, end = _month_bounds(month)
    by_grid, by_worker = selectors.coverage(request.user, area, start, end)
    can_plan = can(request.user, Permission.VISIT_PLAN, area.path)
    return render(
        request,
        "people/visit_coverage.html",
        {
            "area": area,
            "month": month,
            "month_input": f"{month[:4]}-{month[4:]}",
            "by_grid": by_grid,
            "by_worker": by_worker,
            "can_plan": can_plan,
            "error": error,
            "values": values,  # what was typed into the plan form, kept after a refusal
            "month_error": bad_month,
            "month_typed": typed[:20],
        },
        status=error.status if error else 400 if bad_month else 200,
    )


@login_required
def visit_unvisited(request: HttpRequest) -> HttpResponse:
    area = _scope_area(request, Permission.VISIT_RECORD)
    typed = request.GET.get("days", "")
    error = None
    try:
        days = days_param(typed)
    except ValidationFailed as exc:
        # Named, and the list stays on the default until the number is corrected.
        error, days = exc, 90
    rows = selectors.households_not_visited(request.user, area_path=area.path if area else None, days=days)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/visit_unvisited.html",
        {"page": page, "area": area, "days": days, "typed": typed[:20] if error else days, "error": error},
        status=400 if error else 200,
    )


def _may_unmask(user: Any) -> bool:
    """Whether a full-value export form is worth showing: the user may read some ID
    number or phone in full somewhere (the export decides row by row)."""
    return has_anywhere(user, Permission.UNMASK_ID_NUMBER) or has_anywhere(user, Permission.UNMASK_PHONE)


@login_required
def floating_list(request: HttpRequest, export_error: Any = None, reason: str = "") -> HttpResponse:
    area = _scope_area(request, Permission.FLOATING_MANAGE)
    which = request.GET.get("list", "all") or "all"
    # A list it does not know is named, not quietly replaced by the whole list.
    errors = unknown_choices([("list", "名单", which, selectors.FLOATING_LISTS)])
    rows = selectors.floating_rows(request.user, which, area_path=area.path if area else None)
    # FloatingRows counts and slices like a queryset, which is all the paginator asks of it.
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    for profile in page.object_list:
        profile.shown_landlord = selectors.shown_landlord(request.user, profile)
    return render(
        request,
        "people/floating_list.html",
        {
            "page": page,
            "area": area,
            "which": which,
            "can_full_export": _may_unmask(request.user),
            "errors": errors,
            "export_error": export_error,
            "reason": reason,
        },
        status=400 if errors else 200,
    )


@login_required
def floating_landlords(request: HttpRequest) -> HttpResponse:
    area = _scope_area(request, Permission.FLOATING_MANAGE)
    roster = selectors.LandlordRoster(request.user, area_path=area.path if area else None)
    # The roster counts and slices like a queryset, which is all the paginator asks of it.
    page = CappedPaginator(cast(Any, roster), 50).get_page(request.GET.get("page"))
    return render(request, "people/floating_landlords.html", {"page": page, "area": area})


FLOATING_DATES = {
    "lease_start": "租期开始",
    "lease_end": "租期结束",
    "permit_expires": "居住证有效期至",
    "arrived_on": "来本地日期",
    "left_on": "离开日期",
}


@login_required
def floating_edit(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident(request.user, resident_id)
    if not can(request.user, Permission.FLOATING_MANAGE, resident.area_path):
        raise Http404
    profile = getattr(resident, "floating", None)
    error = None
    form: dict[str, Any] = {}
    if profile is not None:
        for name in ("lease_start", "lease_end", "permit_expires", "arrived_on", "left_on"):
            value = getattr(profile, name)
            form[name] = value.isoformat() if value else ""
        form.update(employer=profile.employer, origin=profile.origin)
    if request.method == "POST":
        # What was typed comes back with the message, the permit number too: the person
        # who typed it is the one who reads it back (the stored number is never shown).
        form = request.POST.dict()
        # The landlord is named by their full ID number, as everywhere a person is chosen
        # (no page shows the database's 居民编号): blank keeps the one recorded.
        landlord: int | None = profile.landlord_id if profile is not None else None
        landlord_error = ""
        typed = request.POST.get("landlord_id_number", "").strip()
        if request.POST.get("no_landlord"):
            landlord = None
        elif typed:
            try:
                landlord = selectors.resident_by_id_number(request.user, typed)
            except ValidationFailed as exc:
                landlord_error = f"房东：{exc.fields['id_number']}"
            except RateLimited as exc:  # the hour's lookups by number spent: typed kept
                landlord_error = f"房东：{exc.message}"
        dates, error = _dates(request.POST, FLOATING_DATES)
        if landlord_error:
            fields = {**(error.fields if error else {}), "landlord_id_number": landlord_error}
            error = ValidationFailed(fields)
        data = services.FloatingInput(
            landlord_id=landlord,
            lease_start=dates["lease_start"],
            lease_end=dates["lease_end"],
            employer=request.POST.get("employer", ""),
            permit_number=request.POST.get("permit_number", ""),
            permit_expires=dates["permit_expires"],
            origin=request.POST.get("origin", ""),
            arrived_on=dates["arrived_on"],
            left_on=dates["left_on"],
        )
        if error is None:
            try:
                with busy_as_unavailable():
                    services.set_floating(request.user, resident.pk, data, ip=client_ip(request))
                return redirect("resident", resident_id=resident.pk)
            except ValidationFailed as exc:
                error = exc
    landlord_now = selectors.shown_landlord(request.user, profile) if profile is not None else None
    return render(
        request,
        "people/floating_form.html",
        {
            "resident": resident,
            "profile": profile,
            "form": form,
            "error": error,
            "landlord_now": landlord_now,
        },
        status=error.status if error else 200,
    )


@login_required
def care_list(request: HttpRequest, export_error: Any = None, reason: str = "") -> HttpResponse:
    area = _scope_area(request, Permission.CARE_MANAGE)
    group = request.GET.get("group") or "elderly_60"  # the lists have no "all": blank is the first
    errors = unknown_choices([("group", "重点人群", group, selectors.CARE_LISTS)])
    if errors:
        group = "elderly_60"
    rows = selectors.care_list(request.user, group, area_path=area.path if area else None)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/care_list.html",
        {
            "page": page,
            "area": area,
            "group": group,
            "groups": selectors.CARE_LISTS.items(),
            "can_full_export": _may_unmask(request.user),
            "errors": errors,
            "export_error": export_error,
            "reason": reason,
        },
        status=400 if errors else 200,
    )


@login_required
def care_records(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = selectors.get_resident(request.user, resident_id)
    if not can(request.user, Permission.CARE_MANAGE, resident.area_path):
        raise Http404
    error = None
    form: dict[str, Any] = {"cared_on": timezone.localdate().isoformat()}
    if request.method == "POST":
        form = request.POST.dict()
        dates, bad_date = _dates(request.POST, {"cared_on": "关爱日期"})
        try:
            if bad_date is not None:
                raise bad_date
            with busy_as_unavailable():
                services.record_care(
                    request.user,
                    resident.pk,
                    form.get("kind", ""),
                    form.get("content", ""),
                    dates["cared_on"],
                    ip=client_ip(request),
                )
            return redirect("care_records", resident_id=resident.pk)
        except ValidationFailed as exc:
            error = exc
    return render(
        request,
        "people/care_records.html",
        {
            "resident": resident,
            "page": CappedPaginator(selectors.care_records(request.user, resident), 50).get_page(
                request.GET.get("page")
            ),
            "kinds": CareKind.choices,
            "form": form,
            "error": error,
        },
        status=error.status if error else 200,
    )
