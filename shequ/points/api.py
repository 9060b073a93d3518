from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from shequ.access.audit import client_ip
from shequ.access.masking import mask_free_text, shown_to
from shequ.access.roles import Permission
from shequ.access.scope import staff_only
from shequ.areas.selectors import get_area
from shequ.core.api import Body, Integer, Number, Ref, choice, one_of, one_of_query
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.pagination import CappedPageNumberPagination
from shequ.points import selectors, services
from shequ.points.lifecycle import TRANSITIONS, allowed_from
from shequ.points.models import (
    Account,
    AccountKind,
    Entry,
    Order,
    OrderEvent,
    OrderStatus,
    ServiceKind,
    StoreItem,
    TxnKind,
)

router = Router(tags=["积分与兑换"])

# The values of each choice, listed in the OpenAPI document (checked by the handlers and
# services, which name a wrong one in Chinese).
OrderStatusValue = Annotated[str, one_of(OrderStatus.values)]
OrderActionValue = Annotated[str, one_of(TRANSITIONS)]
ServiceKindValue = Annotated[str, one_of(ServiceKind.values)]


class EntryOut(Schema):
    id: int
    amount: int
    kind: Annotated[str, one_of(TxnKind.values)]
    kind_label: str
    memo: str
    transaction: int
    task: int | None
    order: int | None
    service_record: int | None
    at: datetime

    @staticmethod
    def resolve_kind_label(obj: Entry) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_memo(obj: Entry) -> str:
        return obj.transaction.memo_shown

    @staticmethod
    def resolve_transaction(obj: Entry) -> int:
        return obj.transaction_id

    @staticmethod
    def resolve_task(obj: Entry) -> int | None:
        return obj.transaction.task_id

    @staticmethod
    def resolve_order(obj: Entry) -> int | None:
        return obj.transaction.order_id

    @staticmethod
    def resolve_service_record(obj: Entry) -> int | None:
        return obj.transaction.service_record_id


class UnitBalanceOut(Schema):
    """A partner unit the viewer belongs to: its points (from targeted tasks claimed for
    it) and its latest entries."""

    unit: int
    name: str
    balance: int
    community: str
    entries: list[EntryOut]


class BalanceOut(Schema):
    balance: int
    kind: str
    community: str
    earned_this_quarter: int
    stars: int = 0  # the year's star level (星级), from the year's earned total
    units: list[UnitBalanceOut] = []


class ServiceIn(Body):
    # The party member: their registry record (``resident``; works for members who have
    # never signed in), or their user id (``member``).
    member: Ref = 0
    resident: Ref | None = None
    kind: ServiceKindValue
    note: str
    points: Number
    served_on: date | None = None


class ReverseIn(Body):
    reason: str  # required: a 冲正 always says why


class ServiceRecordOut(Schema):
    id: int
    member: str
    kind: ServiceKindValue
    note: str
    points: int
    served_on: date
    area_path: str
    # 冲正: the record's points were taken back; it stays listed, marked.
    reversed: bool
    reversal_reason: str  # "" unless reversed

    @staticmethod
    def resolve_reversed(obj: Any) -> bool:
        return getattr(obj, "reversal_memo", None) is not None

    @staticmethod
    def resolve_reversal_reason(obj: Any) -> str:
        return selectors.reversal_reason(getattr(obj, "reversal_memo", None)) or ""

    @staticmethod
    def resolve_note(obj: Any, context: Any) -> str:
        return shown_to(context["request"].user, obj.recorded_by_id, obj.note)

    @staticmethod
    def resolve_member(obj: Any) -> str:
        return str(obj.member)


class WindowIn(Body):
    area: str
    name: str
    starts_on: date
    ends_on: date


class WindowOut(Schema):
    id: int
    area: str
    name: str
    starts_on: date
    ends_on: date
    # Set by the street above the caller's communities: it rules their stores, and only
    # the street changes or removes it.
    set_above: bool = False

    @staticmethod
    def resolve_area(obj: Any) -> str:
        return str(obj.area.code)

    @staticmethod
    def resolve_set_above(obj: Any) -> bool:
        return bool(getattr(obj, "set_above", False))


class ShelfIn(Body):
    active: bool


class TxnOut(Schema):
    id: int
    kind: Annotated[str, one_of(TxnKind.values)]
    memo: str


class RankedOut(Schema):
    rank: int
    name: str
    points: int
    stars: int  # the year's star level (星级), from the year's total
    # The household (building and door) for staff who may read the register, else "":
    # two of one name (王伟) are told apart.
    address: str


class StarsOut(Schema):
    year: int
    title: str  # as the page heads it: "2030年度星级志愿者" or "2031年星级志愿者（截至目前）"
    final: bool  # false while the year runs: a running count, not the year-end levels
    stars: list[RankedOut]


class RankingsOut(Schema):
    community: str
    year: int
    quarter: int
    able: list[RankedOut]  # 社区治理能人, by points earned in the quarter
    pioneers: list[RankedOut]  # 社区治理先锋, by points earned in the quarter
    stars: list[RankedOut]  # 年度星级志愿者, by points earned in the year
    # The star lists as the rankings page (and the notice board) show them: in a first
    # quarter the year before's final levels come first.
    star_lists: list[StarsOut]


class NoticeRankedOut(Schema):
    rank: int
    name: str  # masked (张*, 欧阳**): the notice board is public
    points: int
    stars: int


class NoticeStarsOut(Schema):
    year: int
    title: str  # as the board heads it: "2030年度星级志愿者" or "2031年星级志愿者（截至目前）"
    final: bool  # false while the year runs: a running count, not the year-end levels
    stars: list[NoticeRankedOut]


class NoticeBoardOut(Schema):
    """公示栏: what /points/notice/<code>/ shows anyone, names masked."""

    community: str
    community_name: str
    year: int
    quarter: int
    able: list[NoticeRankedOut]  # 社区治理能人 of the quarter
    pioneers: list[NoticeRankedOut]  # 社区治理先锋 of the quarter
    stars: list[NoticeRankedOut]  # 星级志愿者 of `year`
    stars_final: bool  # false while `year` runs
    # The star lists the board shows, in its order: in a first quarter the year before's
    # final levels come first.
    star_lists: list[NoticeStarsOut]


def _masked(rows: list[selectors.Ranked]) -> list[dict[str, Any]]:
    return [{"rank": r.rank, "name": r.masked_name, "points": r.points, "stars": r.stars} for r in rows]


class PeriodOut(Schema):
    name: str
    starts_on: date
    ends_on: date


class ItemOut(Schema):
    id: int
    name: str
    description: str
    price: int
    stock: int
    per_person_limit: int
    active: bool
    area: str
    area_name: str
    # The redemption period open today (the calendar quarter where no window is set);
    # null while the street's or community's windows leave the store shut, and then
    # next_window is the next one set, if any — what the store page tells residents.
    window: PeriodOut | None
    next_window: PeriodOut | None

    @staticmethod
    def resolve_description(obj: StoreItem) -> str:
        # Every resident of the store reads it: numbers typed into it masked, as a venue's.
        return mask_free_text(obj.description)

    @staticmethod
    def resolve_area(obj: StoreItem) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: StoreItem) -> str:
        return obj.area.name

    @staticmethod
    def resolve_window(obj: StoreItem) -> dict[str, Any] | None:
        selectors.with_windows([obj])
        period = obj.open_period
        return None if period is None else {"name": period[1], "starts_on": period[2], "ends_on": period[3]}

    @staticmethod
    def resolve_next_window(obj: StoreItem) -> Any:
        selectors.with_windows([obj])
        return obj.coming_window


class _ItemPages(CappedPageNumberPagination):
    """A page of items with their redemption periods read for the page in two queries."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = selectors.with_windows(list(page["items"]))
        return page


class ItemIn(Body):
    name: str
    price: Number
    stock: Number
    area: str
    per_person_limit: Number = 1
    description: str = ""
    active: bool = True


class StockIn(Body):
    add: Number


class ItemTermsIn(Body):
    """Only the fields sent are changed."""

    name: str | None = None
    description: str | None = None
    price: Number | None = None
    per_person_limit: Number | None = None


class OrderIn(Body):
    item: Ref
    quantity: Number = 1
    price: Number | None = Field(
        None, description="下单时看到的每件所需积分；与现价不同则不下单，409 price_changed"
    )


class OrderOut(Schema):
    id: int
    item: int
    item_name: str
    quantity: int
    points: int
    status: OrderStatusValue
    status_label: str
    courier: str
    tracking_no: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[OrderActionValue]
    buyer: str  # whom to deliver to, as on the fulfilment page (no phone)
    address: str

    @staticmethod
    def resolve_item(obj: Order) -> int:
        return obj.item_id

    @staticmethod
    def resolve_buyer(obj: Order) -> str:
        return obj.account.name

    @staticmethod
    def resolve_address(obj: Order) -> str:
        return selectors.delivery_address(obj)

    @staticmethod
    def resolve_item_name(obj: Order) -> str:
        return obj.item.name

    @staticmethod
    def resolve_status_label(obj: Order) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_allowed_actions(obj: Order, context: Any) -> list[str]:
        viewer = context["request"].user
        return [a for a in allowed_from(obj.status) if services.may_move(viewer, obj, a)]


class OrderEventOut(Schema):
    """One step of an order, as the order page shows it."""

    action: Annotated[str, one_of(["place", *TRANSITIONS])]
    label: str
    from_status: str  # "" for the order placed
    to_status: OrderStatusValue
    actor: str
    # A cancel reason (numbers in it masked for all but its writer), or a correction's old
    # and new waybill.
    note: str
    at: datetime

    @staticmethod
    def resolve_actor(obj: OrderEvent) -> str:
        return str(obj.actor)


class OrderDetailOut(OrderOut):
    events: list[OrderEventOut]  # oldest first: only in GET /store/orders/{id}, not in lists
    version: int  # the newest step: sent back as ``seen`` with 更正快递单号

    @staticmethod
    def resolve_version(obj: Order) -> int:
        return max((e.pk for e in obj.events.all()), default=0)

    @staticmethod
    def resolve_events(obj: Order, context: Any) -> list[OrderEvent]:
        return selectors.order_timeline(context["request"].user, obj)


class TransitionIn(Body):
    action: OrderActionValue
    courier: str = ""
    tracking_no: str = ""
    note: str = ""
    # 更正快递单号: the order's ``version`` the client acted from; a waybill corrected by
    # someone since is refused (409 changed) instead of replaced unseen.
    seen: Integer | None = None


@router.get("/points/balance", response=BalanceOut, summary="我的积分余额")
def balance(request: HttpRequest) -> Any:
    account = selectors.own_account(request.user)
    units = [
        {
            "unit": u.account.unit_id,
            "name": u.account.name,
            "balance": u.account.balance,
            "community": u.account.area.name,
            "entries": u.entries,
        }
        for u in selectors.unit_accounts(request.user)
    ]
    if account is None:
        return {"balance": 0, "kind": "", "community": "", "earned_this_quarter": 0, "units": units}
    earned, stars = selectors.standing(account, timezone.localdate())
    return {
        "balance": account.balance,
        "kind": account.kind,
        "community": account.area.name,
        "earned_this_quarter": earned,
        "stars": stars,
        "units": units,
    }


@router.get("/points/entries", response=list[EntryOut], summary="我的积分明细")
@paginate(CappedPageNumberPagination, page_size=50)
def entries(request: HttpRequest) -> Any:
    return selectors.my_entries(request.user)


@router.get("/points/service-records", response=list[ServiceRecordOut], summary="党员服务记录（工作人员）")
@paginate(CappedPageNumberPagination, page_size=50)
def service_records(request: HttpRequest) -> Any:
    staff_only(request.user, Permission.POINTS_VIEW, "只有工作人员可以查看服务积分记录")
    return selectors.service_records(request.user).order_by("-served_on", "-id")


@router.post(
    "/points/service-records",
    response={200: TxnOut, 201: TxnOut},
    summary="记录党员服务积分（工作人员；Idempotency-Key）",
)
def service_record(request: HttpRequest, payload: ServiceIn) -> Any:
    """201 with the new record's transaction; 200 with the first one for a repeat (the
    same Idempotency-Key and body), as tasks and orders answer."""
    record, created = services.record_service_once(
        request.user,
        services.ServiceInput(**payload.dict(), idempotency_key=request.headers.get("Idempotency-Key", "")),
        ip=client_ip(request),
    )
    return Status(201 if created else 200, record.transaction)


class AccountOut(Schema):
    id: int
    kind: Annotated[str, one_of(AccountKind.values)]
    name: str
    community: str
    balance: int
    # A person's household, building and door (no phone): two of one name told apart;
    # empty for a viewer who may not read the register (an auditor).
    address: str

    @staticmethod
    def resolve_community(obj: Account) -> str:
        return obj.area.code

    @staticmethod
    def resolve_address(obj: Account, context: dict[str, Any]) -> str:
        return selectors.account_address(context["request"].user, obj)


class OpeningIn(Body):
    points: Number
    memo: str = ""


@router.get("/points/accounts", response=list[AccountOut], summary="积分账户（工作人员）")
@paginate(CappedPageNumberPagination, page_size=50)
def accounts(request: HttpRequest, q: str = "") -> Any:
    """The accounts of the communities the caller may read; ``q`` narrows by name."""
    staff_only(request.user, Permission.POINTS_VIEW, "只有社区工作人员可以查看积分账户")
    return selectors.accounts(request.user, q.strip()[:20])


@router.get(
    "/points/accounts/{account_id}/entries", response=list[EntryOut], summary="账户积分明细（工作人员）"
)
@paginate(CappedPageNumberPagination, page_size=50)
def account_entries(request: HttpRequest, account_id: int) -> Any:
    return selectors.account_entries(selectors.get_account(request.user, account_id))


@router.post(
    "/points/accounts/{account_id}/opening",
    response={200: TxnOut, 201: TxnOut},
    summary="录入期初积分（工作人员；Idempotency-Key）",
)
def opening(request: HttpRequest, account_id: int, payload: OpeningIn) -> Any:
    """201 with the new transaction; 200 with the first one for a repeat."""
    account = selectors.get_account(request.user, account_id)
    txn, created = services.opening_balance_of_account(
        request.user,
        account,
        payload.points,
        payload.memo or services.OPENING_MEMO,
        key=request.headers.get("Idempotency-Key", ""),
        ip=client_ip(request),
    )
    return Status(201 if created else 200, txn)


@router.post(
    "/points/transactions/{transaction_id}/reverse", response={201: TxnOut}, summary="冲正（工作人员）"
)
def reverse(request: HttpRequest, transaction_id: int, payload: ReverseIn) -> Any:
    return Status(201, services.reverse(request.user, transaction_id, payload.reason, ip=client_ip(request)))


def _quarter_sent(year: int | None, quarter: int | None) -> tuple[int, int, dict[str, str]]:
    """The year and quarter asked for, checked as the pages check what is typed."""
    return selectors.requested_quarter(
        "" if year is None else str(year), "" if quarter is None else str(quarter), timezone.localdate()
    )


@router.get(
    "/points/rankings", response=RankingsOut, summary="季度排名：社区治理能人、社区治理先锋；年度星级志愿者"
)
def rankings(
    request: HttpRequest, community: str, year: int | None = None, quarter: int | None = None
) -> Any:
    area = get_area(request.user, community, Permission.POINTS_VIEW)
    if area.kind != "community":
        raise NotFound("社区")
    # Left out asks for the current year or quarter; anything sent must be valid, 0 too
    # (the page answers year=0 with 400: "0" was read as the current year here).
    year, quarter, errors = _quarter_sent(year, quarter)
    if errors:
        raise ValidationFailed(errors)
    lists = selectors.notice_stars(area, year, quarter, timezone.localdate())
    able = selectors.ranking(area, AccountKind.RESIDENT, year, quarter)
    pioneers = selectors.ranking(area, AccountKind.PARTY_MEMBER, year, quarter)
    selectors.with_households(request.user, area, able, pioneers, *(x.rows for x in lists))
    return {
        "community": area.code,
        "year": year,
        "quarter": quarter,
        "able": [vars(r) for r in able],
        "pioneers": [vars(r) for r in pioneers],
        "stars": [vars(r) for r in lists[-1].rows],
        "star_lists": [
            {"year": x.year, "title": x.title, "final": x.final, "stars": [vars(r) for r in x.rows]}
            for x in lists
        ],
    }


@router.get(
    "/points/notice/{code}",
    response=NoticeBoardOut,
    auth=None,
    summary="公示栏（公开，无需登录；姓名脱敏）：季度社区治理能人、先锋与年度星级志愿者",
)
def notice(request: HttpRequest, code: str, year: int | None = None, quarter: int | None = None) -> Any:
    community = selectors.notice_community(code)
    # As the rankings (and the notice page): left out is the current year or quarter.
    year, quarter, errors = _quarter_sent(year, quarter)
    if errors:
        raise ValidationFailed(errors)
    lists = selectors.notice_stars(community, year, quarter, timezone.localdate())
    return {
        "community": community.code,
        "community_name": community.name,
        "year": year,
        "quarter": quarter,
        "able": _masked(selectors.ranking(community, AccountKind.RESIDENT, year, quarter)),
        "pioneers": _masked(selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter)),
        "stars": _masked(lists[-1].rows),
        "stars_final": lists[-1].final,
        "star_lists": [
            {"year": x.year, "title": x.title, "final": x.final, "stars": _masked(x.rows)} for x in lists
        ],
    }


@router.get(
    "/store/items/",
    response=list[ItemOut],
    summary="兑换物品（居民：本街道和社区上架的；manage=true：工作人员的目录）",
)
@paginate(_ItemPages, page_size=50)
def items(request: HttpRequest, manage: bool = False) -> Any:
    if manage:
        staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以管理兑换目录")
        return selectors.catalogue(request.user)
    return selectors.store_items(request.user).select_related("area")


@router.post("/store/items/", response={201: ItemOut}, summary="上架兑换物品（工作人员）")
def create_item(request: HttpRequest, payload: ItemIn) -> Any:
    item = services.create_item(request.user, services.ItemInput(**payload.dict()), ip=client_ip(request))
    return Status(201, StoreItem.objects.select_related("area").get(pk=item.pk))


@router.post("/store/items/{item_id}/shelf", response=ItemOut, summary="上架或下架（工作人员）")
def shelf(request: HttpRequest, item_id: int, payload: ShelfIn) -> Any:
    services.adjust_item(request.user, item_id, active=payload.active, ip=client_ip(request))
    return StoreItem.objects.select_related("area").get(pk=item_id)


@router.get("/store/windows/", response=list[WindowOut], summary="兑换期（工作人员）")
@paginate(CappedPageNumberPagination, page_size=50)
def windows(request: HttpRequest) -> Any:
    staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以管理兑换期")
    return selectors.windows(request.user).order_by("-starts_on", "-id")


@router.post("/store/windows/", response={201: WindowOut}, summary="设置兑换期（工作人员）")
def add_window(request: HttpRequest, payload: WindowIn) -> Any:
    window = services.add_window(
        request.user, payload.area, payload.name, payload.starts_on, payload.ends_on, ip=client_ip(request)
    )
    return Status(201, window)


class WindowDatesIn(Body):
    starts_on: date
    ends_on: date


@router.patch("/store/windows/{window_id}", response=WindowOut, summary="修改兑换期日期（工作人员）")
def window_dates(request: HttpRequest, window_id: int, payload: WindowDatesIn) -> Any:
    return services.set_window_dates(
        request.user, window_id, payload.starts_on, payload.ends_on, ip=client_ip(request)
    )


@router.delete("/store/windows/{window_id}", response={204: None}, summary="删除尚未开始的兑换期（工作人员）")
def remove_window(request: HttpRequest, window_id: int) -> Any:
    services.remove_window(request.user, window_id, ip=client_ip(request))
    return Status(204, None)


@router.patch(
    "/store/items/{item_id}", response=ItemOut, summary="修改名称、说明、所需积分或每人限兑（工作人员）"
)
def item_terms(request: HttpRequest, item_id: int, payload: ItemTermsIn) -> Any:
    terms = services.ItemTerms(**payload.dict())
    return services.set_item_terms(request.user, item_id, terms, ip=client_ip(request))


@router.post("/store/items/{item_id}/stock", response=ItemOut, summary="入库或出库（工作人员）")
def stock(request: HttpRequest, item_id: int, payload: StockIn) -> Any:
    """``add`` more (negative: fewer). Relative to the stock as it is: with an
    ``Idempotency-Key``, a retried request moves the stock once."""
    item = services.restock(
        request.user,
        item_id,
        payload.add,
        ip=client_ip(request),
        key=request.headers.get("Idempotency-Key", ""),
    )
    return StoreItem.objects.select_related("area").get(pk=item.pk)


@router.post(
    "/store/orders/", response={200: OrderOut, 201: OrderOut}, summary="积分兑换下单（Idempotency-Key）"
)
def place_order(request: HttpRequest, payload: OrderIn) -> Any:
    """One transaction checks stock, points and the per-person limit. A refusal is a
    409 whose code is ``out_of_stock`` (库存不足), ``insufficient_points`` (积分不足),
    ``over_limit`` (超出限兑), ``window_closed``, ``price_changed`` (the ``price`` sent
    is not the item's price now) or ``withdrawn`` (an item of the buyer's store taken off
    the shelf), naming the field at fault."""
    order, created = services.redeem(
        request.user,
        services.OrderInput(
            item=payload.item,
            quantity=payload.quantity,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            price=payload.price,
        ),
        ip=client_ip(request),
    )
    return Status(201 if created else 200, selectors.get_order(request.user, order.pk))


@router.get(
    "/store/orders/", response=list[OrderOut], summary="我的订单；fulfil=true：待处理的订单（工作人员）"
)
@paginate(CappedPageNumberPagination, page_size=50)
def orders(request: HttpRequest, fulfil: bool = False, status: str = one_of_query(OrderStatus.values)) -> Any:
    choice("status", "订单状态", status, OrderStatus.values)
    if fulfil:
        staff_only(request.user, Permission.STORE_MANAGE, "只有社区工作人员可以处理兑换订单")
        return selectors.orders_to_fulfil(request.user, status)
    mine = selectors.my_orders(request.user)
    return mine.filter(status=status) if status else mine


@router.get("/store/orders/{order_id}", response=OrderDetailOut, summary="订单详情（含经过）")
def order(request: HttpRequest, order_id: int) -> Any:
    return selectors.get_order(request.user, order_id)


@router.post(
    "/store/orders/{order_id}/transitions", response=OrderOut, summary="备货、发货、送达、更正快递单号、取消"
)
def order_transition(request: HttpRequest, order_id: int, payload: TransitionIn) -> Any:
    services.transition_order(
        request.user, order_id, services.OrderTransitionInput(**payload.dict()), ip=client_ip(request)
    )
    return selectors.get_order(request.user, order_id)
