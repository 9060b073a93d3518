"""Pages of points and the store: my points, the store, my orders; for staff the
catalogue and stock, order fulfilment, service points and rankings; and the public
notice board (公示栏) with masked names."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.access.audit import client_ip
from shequ.access.masking import shown_to
from shequ.access.roles import Permission
from shequ.access.scope import can, has_anywhere, staff_only
from shequ.areas.models import Area
from shequ.core.days import day_typed
from shequ.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    busy_as_unavailable,
)
from shequ.core.filters import unknown_choices
from shequ.core.numbers import ID_MAX, INT_MAX, number_error, whole
from shequ.core.pagination import CappedPaginator
from shequ.notifications.services import mark_page_read
from shequ.people.selectors import number_lookup as people_number
from shequ.points import selectors, services
from shequ.points.lifecycle import TRANSITIONS, allowed_from
from shequ.points.models import AccountKind, OrderStatus, ServiceKind


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    account = selectors.own_account(request.user)
    # The page the points notices link to (期初积分, 服务积分, 冲正): read once it is open.
    mark_page_read(request)
    page = CappedPaginator(selectors.my_entries(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "points/mine.html",
        {
            "account": account,
            # What residents are recognised by (社区治理能人 by the quarter, 星级 by the year).
            "standing": selectors.standing(account, timezone.localdate()) if account else (0, 0),
            "page": page,
            "units": selectors.unit_accounts(request.user),
            "community": selectors.own_community(request.user, account),
            # A reversal is listed under the date of what it reverses (the quarter it
            # counts in), often pages down: the lower balance is explained up top.
            "reversed_lately": selectors.recent_reversals(request.user),
            # A unit's or a staff login has no points of its own to show, spend or earn
            # by 接单: it was shown 余额 0 分 and the store above its unit's points.
            "personal": account is not None or selectors.may_hold_points(request.user),
        },
    )


@login_required
@never_cache  # Back must fetch it anew: a copy kept by the browser carries a spent key
def store(
    request: HttpRequest, error: DomainError | None = None, failed: int | None = None, typed: str = ""
) -> HttpResponse:
    """The catalogue; after a refused redemption, ``failed`` is the item's id and ``typed``
    the quantity as typed, shown again in its row with the message."""
    account = selectors.own_account(request.user)
    items = selectors.with_windows(list(selectors.store_items(request.user).select_related("area")))
    balance = account.balance if account else 0
    return render(
        request,
        "points/store.html",
        {
            # With each item what the balance lacks for one of it: its button is off and
            # says so, instead of answering 积分不足 only after the tap.
            "items": [
                (item, item.open_period, item.coming_window, max(0, item.price - balance)) for item in items
            ],
            "balance": balance,
            "account": account,
            "error": error,
            "failed": failed,
            "typed": typed,
            "personal": account is not None or selectors.may_hold_points(request.user),
            "key": uuid.uuid4().hex,
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def redeem(request: HttpRequest) -> HttpResponse:
    item, quantity = (
        whole(request.POST.get("item", ""), low=1, high=ID_MAX),
        whole(request.POST.get("quantity", "1"), low=1, high=99),
    )
    shown = request.POST.get("price", "").strip()  # the price on the page the buyer saw
    try:
        if item is None:
            raise ValidationFailed({"item": "请选择兑换物品"})
        if quantity is None:
            raise ValidationFailed({"quantity": "数量必须是 1 到 99 之间的整数"})
        price = whole(shown, high=INT_MAX) if shown else None
        if shown and price is None:
            raise ValidationFailed({"item": "兑换页面已过期，请刷新后再兑换"})
        order, created = services.redeem(
            request.user,
            services.OrderInput(
                item=item,
                quantity=quantity,
                idempotency_key=request.POST.get("idempotency_key", ""),
                price=price,
            ),
            ip=client_ip(request),
        )
    except (ValidationFailed, services.Refused, NotFound) as exc:
        # Taken off the shelf while the store page was open: the service says 已下架 (409),
        # as the API does. An item not in the buyer's store is named as the API names it
        # (兑换物品不存在), beside the store as every refusal (400), not as 已下架.
        if isinstance(exc, NotFound):
            exc = ValidationFailed({"item": exc.message})
        return store(request, error=exc, failed=item, typed=request.POST.get("quantity", "").strip()[:10])
    if not created:
        # The same form sent again (a double tap, or a page brought back from the
        # browser's history): said so, not "兑换成功" as if a second one had been bought.
        return redirect(reverse("points_order", args=[order.pk]) + "?again=1")
    return redirect("points_order", order_id=order.pk)


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    page = CappedPaginator(selectors.my_orders(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "points/orders.html", {"page": page})


def _actions(user: Any, order: Any) -> list[tuple[str, str]]:
    return [
        (a, TRANSITIONS[a].label) for a in allowed_from(order.status) if services.may_move(user, order, a)
    ]


@login_required
def order_detail(
    request: HttpRequest,
    order_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    order = selectors.get_order(request.user, order_id)
    mark_page_read(request)
    actions = _actions(request.user, order)
    offered = {a for a, _ in actions}
    events = selectors.order_timeline(request.user, order)
    return render(
        request,
        "points/order.html",
        {
            "order": order,
            # Whom and where to deliver to, as the fulfilment page and the API say.
            "address": selectors.delivery_address(order),
            "events": events,
            "version": max((e.pk for e in events), default=0),  # the newest step shown
            "actions": actions,
            # Each action offered is its own form with its own fields: the buyer is not
            # asked for a courier, and names a reason for cancelling only if they wish.
            "cancels": "cancel" in offered,
            "buyer": order.user_id == request.user.pk,
            "again": request.GET.get("again") == "1",
            "error": error,
            "values": values or {},  # what was typed, when the action was refused
        },
        status=error.status if error else 200,
    )


@login_required
@require_POST
def order_act(request: HttpRequest, order_id: int) -> HttpResponse:
    data = services.OrderTransitionInput(
        action=request.POST.get("action", ""),
        courier=request.POST.get("courier", ""),
        tracking_no=request.POST.get("tracking_no", ""),
        note=request.POST.get("note", ""),
        seen=whole(request.POST.get("seen", ""), high=ID_MAX),
    )
    # Back to the fulfilment tab the action was taken from (a path of this site only).
    back = request.POST.get("next", "")
    back = back if back.split("?")[0] == "/points/fulfil/" else ""
    try:
        with busy_as_unavailable():  # the courier and number typed come back
            services.transition_order(request.user, order_id, data, ip=client_ip(request))
    except (ValidationFailed, Conflict) as exc:
        # As typed (the service reads the waybill with its spaces dropped), and the tab it
        # was sent from: the step corrected on the order's page returns there too.
        typed = {k: request.POST.get(k, "") for k in ("action", "courier", "tracking_no", "note")}
        return order_detail(request, order_id, error=exc, values=typed | {"next": back})
    return redirect(back or f"/points/orders/{order_id}/")


# The tab whose orders a bulk step applies to (备货 on 已下单, 确认送达 on 已发货).
_BULK_ON: dict[str, str] = {OrderStatus.PLACED.value: "pack", OrderStatus.SHIPPED.value: "deliver"}


@login_required
def fulfil(request: HttpRequest, outcome: dict[str, Any] | None = None) -> HttpResponse:
    staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以处理兑换订单")
    mark_page_read(request)  # the notice of new orders to pack links here
    status = request.GET.get("status", "placed").strip()
    errors = unknown_choices([("status", "订单状态", status, OrderStatus.values)])
    if errors:
        status = "placed"
    page = CappedPaginator(selectors.orders_to_fulfil(request.user, status), 30).get_page(
        request.GET.get("page")
    )
    rows = [(o, _actions(request.user, o)) for o in page]
    for o in page:
        o.address = selectors.delivery_address(o)
    bulk = _BULK_ON.get(status)
    outcome = outcome or {}
    return render(
        request,
        "points/fulfil.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": OrderStatus.choices,
            "errors": errors,
            # The bulk step of this tab, offered on the rows where it may be taken.
            "bulk": (bulk, TRANSITIONS[bulk].label)
            if bulk and any(bulk in dict(a) for _, a in rows)
            else None,
            "outcome": outcome,
        },
        status=400 if errors or outcome.get("errors") else 200,
    )


@login_required
@require_POST
def fulfil_bulk(request: HttpRequest) -> HttpResponse:
    """备货 or 确认送达 for the orders ticked on a tab of the fulfilment page, each on its
    own: the page then says how many were done and why any others were not."""
    staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以处理兑换订单")
    action = request.POST.get("action", "")
    ticked = [whole(v, low=1, high=ID_MAX) for v in request.POST.getlist("orders")]
    try:
        done, refused = services.transition_orders(
            request.user, [pk for pk in ticked if pk], action, ip=client_ip(request)
        )
    except ValidationFailed as exc:
        return fulfil(request, outcome={"errors": exc.fields})
    label = TRANSITIONS[action].label
    return fulfil(request, outcome={"done": len(done), "label": label, "refused": sorted(refused.items())})


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以管理兑换目录")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("form") == "window":
        values = {k: request.POST.get(k, "").strip() for k in ("area", "name", "starts_on", "ends_on")}
        try:
            starts_on, ends_on = _typed_dates(values)
            services.add_window(
                request.user, values["area"], values["name"], starts_on, ends_on, ip=client_ip(request)
            )
            return redirect("points_catalogue")
        except ValidationFailed as exc:
            errors = exc.fields
    elif request.method == "POST":
        values = {
            k: request.POST.get(k, "").strip()
            for k in ("name", "price", "stock", "per_person_limit", "area", "description")
        }
        typed: dict[str, str] = {}
        ints = {
            name: _typed_number(values[name] or "0", name, typed)
            for name in ("price", "stock", "per_person_limit")
        }
        try:
            # Asked of the service even when a number was not one (it stands in as a value
            # the service refuses), so that every field is named in one answer.
            services.create_item(
                request.user,
                services.ItemInput(
                    name=values["name"],
                    area=values["area"],
                    description=values["description"],
                    price=ints["price"],
                    stock=ints["stock"],
                    per_person_limit=ints["per_person_limit"],
                ),
                ip=client_ip(request),
            )
            return redirect("points_catalogue")
        except ValidationFailed as exc:
            errors = exc.fields | typed
    form = "window" if request.POST.get("form") == "window" else "item"
    return _catalogue_page(request, form, errors, values)


# The catalogue's numbers: (label, lowest, highest, a value the service always refuses).
_ITEM_NUMBERS: dict[str, tuple[str, int, int, int]] = {
    "price": ("所需积分", 1, services.PRICE_MAX, 0),
    "stock": ("库存", 0, services.STOCK_MAX, -1),
    "per_person_limit": ("每人限兑", 1, services.LIMIT_MAX, 0),
    "add": ("入库数量（出库填负数）", -services.STOCK_MAX, services.STOCK_MAX, -ID_MAX),
}


def _typed_number(raw: str, name: str, typed: dict[str, str]) -> int:
    """A catalogue number as typed, for the service to check against its range (which it
    names). One that is not a whole number, or too long to be one in range, is named
    here with the field's real range, and a value the service refuses stands in for it."""
    number = whole(raw, low=-ID_MAX, high=ID_MAX)
    if number is not None:
        return number
    label, low, high, refused = _ITEM_NUMBERS[name]
    typed[name] = number_error(raw, label, low=low, high=high)
    return refused


def _typed_dates(values: dict[str, str]) -> tuple[date, date]:
    """A window's first and last day as typed; each one that is not a date is named."""
    errors: dict[str, str] = {}
    days = []
    for name, label in (("starts_on", "开始日期"), ("ends_on", "结束日期")):
        day = day_typed(values[name])  # 2026/12/3 or 2026年12月3日 from a text box too
        if day is not None:
            days.append(day)
        else:
            typed = values[name][:20]
            errors[name] = f"兑换期的{label}“{typed}”不是有效的日期" if typed else f"请填写兑换期的{label}"
    if errors:
        raise ValidationFailed(errors)
    return days[0], days[1]


@login_required
@require_POST
def window_act(request: HttpRequest, window_id: int) -> HttpResponse:
    """Correct a redemption window's dates, or remove one that has not begun."""
    staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以管理兑换期")
    values = {k: request.POST.get(k, "").strip() for k in ("starts_on", "ends_on")}
    try:
        if request.POST.get("action") == "remove":
            window = selectors.windows(request.user).filter(pk=window_id).first()
            if window is not None:  # a refused removal shows the row with its dates
                values = {
                    "starts_on": f"{window.starts_on:%Y-%m-%d}",
                    "ends_on": f"{window.ends_on:%Y-%m-%d}",
                }
            services.remove_window(request.user, window_id, ip=client_ip(request))
        else:
            starts_on, ends_on = _typed_dates(values)
            services.set_window_dates(request.user, window_id, starts_on, ends_on, ip=client_ip(request))
    except ValidationFailed as exc:
        return _catalogue_page(request, "window_row", exc.fields, values, row=window_id)
    # Back on the page of windows the row is on.
    page = whole(request.GET.get("wpage", ""), low=1)
    return redirect(reverse("points_catalogue") + (f"?wpage={page}" if page and page > 1 else ""))


WINDOWS_PAGE = 20  # redemption windows a page of the catalogue lists


def _catalogue_page(
    request: HttpRequest, form: str, errors: dict[str, str], values: dict[str, str], row: int = 0
) -> HttpResponse:
    """The catalogue, with what was typed and the errors kept for the one form that was
    sent (``form``: item, window, stock for the item of id ``row``, or window_row for
    the window of that id)."""
    areas = (
        Area.objects.visible_to(request.user, Permission.STORE_MANAGE)
        .filter(kind__in=["street", "community"])
        .defer("geometry")
        .order_by("path")[:200]
    )
    page = CappedPaginator(selectors.catalogue(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "points/catalogue.html",
        {
            "page": page,
            "areas": areas,
            "errors": errors,
            "form": form,
            "values": values,
            "row": row,
            # Every window, page by page (its own pager, beside the items'): a street's
            # quarters add up over the years, and an old one may still need its dates.
            "windows": CappedPaginator(
                selectors.windows(request.user).order_by("-starts_on", "-id"), WINDOWS_PAGE
            ).get_page(request.GET.get("wpage")),
            "today": timezone.localdate(),
            # Each row's form key (with the item's id): a row sent twice moves stock once.
            "key": uuid.uuid4().hex,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def item_stock(request: HttpRequest, item_id: int) -> HttpResponse:
    """入库/出库 and 上架/下架 of one row; on an error the catalogue comes back with the
    row's message and what was typed in it, and nothing of the row is saved."""
    staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以管理兑换目录")
    values = {
        k: request.POST.get(k, "").strip()
        for k in ("add", "active", "price", "per_person_limit", "name", "description", "idempotency_key")
    }
    typed: dict[str, str] = {}
    add = _typed_number(values["add"] or "0", "add", typed)
    # A new price or limit, when typed (blank keeps the current one).
    terms = services.ItemTerms()
    for name in ("price", "per_person_limit"):
        if values[name]:
            setattr(terms, name, _typed_number(values[name], name, typed))
    # A corrected name or description, when typed (blank keeps the current one).
    terms.name = values["name"] or None
    terms.description = values["description"] or None
    active = {"1": True, "0": False}.get(values["active"])
    try:
        # Asked even when a number was not one (a refused value stands in): every field
        # of the row is named in one answer, and nothing of it is saved.
        # The row's key: sent twice (a double tap on 保存), the stock moves once.
        services.adjust_item(
            request.user,
            item_id,
            add=add,
            active=active,
            terms=terms,
            ip=client_ip(request),
            key=values["idempotency_key"],
        )
    except ValidationFailed as exc:
        return _catalogue_page(request, "stock", exc.fields | typed, values, item_id)
    # Back on the page the row is on (a refused row comes back there too: 50 a page).
    page = whole(request.GET.get("page", ""), low=1)
    return redirect(reverse("points_catalogue") + (f"?page={page}" if page and page > 1 else ""))


MEMBER_LIST = 300  # party members offered in the service form at once


@login_required
def service(request: HttpRequest) -> HttpResponse:
    """党员服务积分: staff record a party member's service."""
    staff_only(request.user, Permission.POINTS_MANAGE, "只有社区工作人员可以记录服务积分")
    errors: dict[str, str] = {}
    status = 400
    # The form's key: a double click or a resent form records the service once.
    values: dict[str, str] = {"idempotency_key": uuid.uuid4().hex}
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "").strip()
            for k in ("resident", "kind", "note", "points", "served_on", "idempotency_key")
        }
        typed: dict[str, str] = {}
        resident = whole(values["resident"], low=1, high=ID_MAX)
        if resident is None:
            # The list once opened on its first member: a form sent with only the service
            # typed gave her the points (and a login). The member is chosen, never assumed.
            typed["resident"] = "请在“党员”中选择要记录服务积分的党员"
        served_on = day_typed(values["served_on"]) if values["served_on"] else None
        if values["served_on"] and served_on is None:
            # Still asked of the service, so every other field is checked too: a date it
            # always refuses (the earliest there is), named below as typed.
            served_on = date.min
            typed["served_on"] = f"服务日期格式不正确：“{values['served_on'][:20]}”"
        try:
            with busy_as_unavailable():
                record = services.record_service(
                    request.user,
                    services.ServiceInput(
                        member=0,
                        resident=resident or 0,
                        kind=values["kind"],
                        note=values["note"],
                        points=whole(values["points"]) or 0,
                        served_on=served_on,
                        idempotency_key=values["idempotency_key"],
                    ),
                    ip=client_ip(request),
                )
            # Said on the page it lands on: what was recorded, for whom.
            return redirect(reverse("points_service") + f"?recorded={record.pk}")
        except ValidationFailed as exc:
            # Without a member the service names "member" (its other way in): the form's
            # field is the resident's, named above.
            errors = {
                k: m for k, m in exc.fields.items() if not (k == "member" and "resident" in typed)
            } | typed
            if not errors:  # a busy database names no field
                errors = {"form": exc.message}
            status = exc.status
            if "idempotency_key" in errors:  # said; sending the form again records a new one
                values["idempotency_key"] = uuid.uuid4().hex
    from shequ.access.scope import scope_q
    from shequ.people.models import Resident

    # The party members of the register in scope, whether or not they have ever signed in
    # (无职党员 are mostly retired); a street has more than a list can hold, so a name (or
    # part of one) narrows it.
    q = request.GET.get("q", "").strip()[:20]
    in_scope = (
        Resident.objects.exclude(party_member_kind="")
        .filter(scope_q(request.user, Permission.POINTS_MANAGE, "area_path"))
        .defer("id_number_enc", "phone_enc", "id_number_hash", "phone_hash")
        # Offered with their household: two members of one name are told apart.
        .select_related("household__building")
    )
    match = selectors.name_typed(request.user, q, "name", "pk")  # pinyin too (zs)
    if match is not None:
        in_scope = in_scope.filter(match)
    members = list(in_scope.order_by("area_path", "pk")[: MEMBER_LIST + 1])
    page = CappedPaginator(selectors.service_records(request.user), 30).get_page(request.GET.get("page"))
    for r in page:  # numbers typed into a note, masked for all but who recorded it
        r.note = shown_to(request.user, r.recorded_by_id, r.note)
        r.reversed = selectors.reversal_reason(r.reversal_memo)  # 冲正, read with the page
    # The record just made, told back to whoever made it (another's id in the address
    # shows nothing).
    recorded_id = (
        whole(request.GET.get("recorded", ""), low=1, high=ID_MAX) if request.method == "GET" else None
    )
    recorded = (
        selectors.service_records(request.user).filter(pk=recorded_id, recorded_by_id=request.user.pk).first()
        if recorded_id
        else None
    )
    return render(
        request,
        "points/service.html",
        {
            "recorded": recorded,
            "members": members[:MEMBER_LIST],
            "more_members": len(members) > MEMBER_LIST,
            "no_members": not members and not q,  # the register has none in scope yet
            "q": q,
            "kinds": ServiceKind.choices,
            "errors": errors,
            "values": values,
            "page": page,
            "today": timezone.localdate().isoformat(),
        },
        status=status if errors else 200,
    )


def _quarter(request: HttpRequest) -> tuple[int, int, dict[str, str]]:
    return selectors.requested_quarter(
        request.GET.get("year", ""), request.GET.get("quarter", ""), timezone.localdate()
    )


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    staff_only(request.user, Permission.POINTS_VIEW, "只有工作人员可以查看排名")
    communities = list(selectors.ranking_communities(request.user)[:200])
    code = request.GET.get("community", "")
    community = next((c for c in communities if c.code == code), communities[0] if communities else None)
    year, quarter, errors = _quarter(request)
    if code and (community is None or community.code != code):
        # Not a community the viewer may rank: said, not quietly replaced by the first.
        errors["community"] = f"社区“{code[:20]}”不存在或不在您的管辖范围内"
    context: dict[str, Any] = {
        "communities": communities,
        "community": community,
        "year": year,
        "quarter": quarter,
        "errors": errors,
        # What was typed stays in the form, beside the message that names it.
        "typed_year": request.GET.get("year", "")[:20] if "year" in errors else year,
    }
    if community is not None:
        context |= {
            "able": selectors.ranking(community, AccountKind.RESIDENT, year, quarter),
            "pioneers": selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter),
            # Labelled as the notice board: a first quarter has the year before's final list too.
            "star_lists": selectors.notice_stars(community, year, quarter, timezone.localdate()),
        }
        selectors.with_households(
            request.user,
            community,
            context["able"],
            context["pioneers"],
            *(x.rows for x in context["star_lists"]),
        )
    return render(request, "points/rankings.html", context, status=400 if errors else 200)


def notice(request: HttpRequest, code: str) -> HttpResponse:
    """公示栏: this quarter's honours and this year's star volunteers, names masked, with
    the quarters before it one link away: the honours announced at a quarter's start are
    the last quarter's, and its own list is still nearly empty then. In a first quarter
    the year before's final star levels are posted too."""
    community = selectors.notice_community(code)
    year, quarter, errors = _quarter(request)
    today = timezone.localdate()
    now = selectors.current_quarter(today)
    before = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    after = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    return render(
        request,
        "points/notice.html",
        {
            "community": community,
            "year": year,
            "quarter": quarter,
            "errors": errors,
            "able": selectors.ranking(community, AccountKind.RESIDENT, year, quarter),
            "pioneers": selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter),
            "star_lists": selectors.notice_stars(community, year, quarter, today),
            "before": before if before[0] >= selectors.FIRST_YEAR else None,
            "after": after if after <= now else None,
        },
        status=400 if errors else 200,
    )


@login_required
def reversals(request: HttpRequest) -> HttpResponse:
    """冲正: staff undo an award, service points or an opening balance, with a reason.
    The ledger is append-only; a reversal is a new transaction of opposite entries."""
    staff_only(request.user, Permission.POINTS_MANAGE, "只有社区工作人员可以冲正积分")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    row = 0
    q = request.GET.get("q", "").strip()[:20]
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("transaction", "reason")}
        row = whole(values["transaction"], low=1, high=ID_MAX) or 0
        try:
            services.reverse(request.user, row, values["reason"], ip=client_ip(request))
            # Back to the page (and search) it was made from.
            kept = {"page": request.GET.get("page", "1"), **({"q": q} if q else {})}
            return redirect(f"{request.path}?{urlencode(kept)}")
        except ValidationFailed as exc:
            errors = exc.fields
    page = CappedPaginator(selectors.reversible(request.user, q), 30).get_page(request.GET.get("page"))
    rows = [(t, [e for e in t.entries.all() if e.account.kind != AccountKind.ISSUER]) for t in page]
    return render(
        request,
        "points/reversals.html",
        {"page": page, "rows": rows, "errors": errors, "values": values, "row": row, "q": q},
        status=400 if errors else 200,
    )


@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    """积分账户: staff find a person's (or a unit's) account to answer "how many points do
    I have, and why", at the counter or on the phone."""
    staff_only(request.user, Permission.POINTS_VIEW, "只有社区工作人员可以查看积分账户")
    q = request.GET.get("q", "").strip()[:20]
    page = CappedPaginator(selectors.accounts(request.user, q), 50).get_page(request.GET.get("page"))
    for a in page:
        a.address = selectors.account_address(request.user, a)
    # Residents of the register with no account yet: opened here for 期初积分 (not by a
    # full number: that search is audited and limited, and a name finds the person).
    unopened = [] if people_number(q) else selectors.residents_without_account(request.user, q)
    may_manage = has_anywhere(request.user, Permission.POINTS_MANAGE)  # an auditor only reads
    return render(
        request,
        "points/accounts.html",
        {"page": page, "q": q, "unopened": unopened, "may_manage": may_manage},
    )


@login_required
@require_POST
def account_open(request: HttpRequest) -> HttpResponse:
    """开立积分账户 for a resident of the register, then its page (期初积分 is entered there)."""
    staff_only(request.user, Permission.POINTS_MANAGE, "只有管理积分的社区工作人员可以开立积分账户")
    account = services.account_for_resident(
        request.user, whole(request.POST.get("resident", ""), low=1, high=ID_MAX) or 0, ip=client_ip(request)
    )
    return redirect("points_account", account_id=account.pk)


@login_required
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    """One account: its balance and every entry with what it was for; staff who manage
    points record a balance carried over from an earlier system (期初积分) here. An account
    the viewer may not read is the same 404 as a missing one."""
    account = selectors.get_account(request.user, account_id)
    may_open = account.user_id is not None and can(request.user, Permission.POINTS_MANAGE, account.area_path)
    errors: dict[str, str] = {}
    values: dict[str, str] = {"idempotency_key": uuid.uuid4().hex}  # a resent form records it once
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("points", "memo", "idempotency_key")}
        if not can(request.user, Permission.POINTS_MANAGE, account.area_path):
            raise Forbidden("只有管理该社区积分的工作人员可以录入期初积分")
        points = whole(values["points"], low=1, high=INT_MAX)
        try:
            if points is None:
                raise ValidationFailed({"points": number_error(values["points"], "期初积分", low=1)})
            services.opening_balance_of_account(
                request.user,
                account,
                points,
                values["memo"] or services.OPENING_MEMO,
                key=values["idempotency_key"],
                ip=client_ip(request),
            )
            return redirect("points_account", account_id=account.pk)
        except ValidationFailed as exc:
            errors = exc.fields
            if "idempotency_key" in errors:  # sent before with other content: said, and
                values["idempotency_key"] = uuid.uuid4().hex  # sending again is a new entry
    page = CappedPaginator(selectors.account_entries(account), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "points/account.html",
        {
            "account": account,
            "address": selectors.account_address(request.user, account),
            "page": page,
            "may_open": may_open,
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )
