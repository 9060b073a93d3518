"""Reads of the ledger and the store that carry rules: whose points, which catalogue,
which orders, and the rankings (社区治理能人 / 社区治理先锋, star levels)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from shequ.access.masking import mask_free_text, mask_name, shown_to
from shequ.access.roles import Permission
from shequ.access.scope import can, scope_paths, scope_q
from shequ.areas.models import Area
from shequ.areas.paths import ancestors, codes
from shequ.core.errors import NotFound
from shequ.core.numbers import whole
from shequ.people.pinyin import name_pinyin
from shequ.points.models import (
    Account,
    AccountKind,
    EarningTotal,
    Entry,
    Order,
    OrderEvent,
    OrderStatus,
    RedemptionWindow,
    ServiceRecord,
    StoreItem,
    Transaction,
    TxnKind,
)
from shequ.points.services import account_home_path, community_path, current_windows


def own_account(viewer: Any) -> Account | None:
    return Account.objects.filter(user_id=viewer.pk).select_related("area").first()


def my_entries(viewer: Any) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(account__user_id=viewer.pk)
        .select_related("transaction", "transaction__task", "transaction__order__item")
        .order_by("-at", "-id")
    )


def recent_reversals(viewer: Any, days: int = 90) -> list[Entry]:
    """The viewer's entries reversed in the last ``days`` days, newest first."""
    since = timezone.now() - timedelta(days=days)
    return list(
        Entry.objects.filter(
            account__user_id=viewer.pk, kind=TxnKind.REVERSAL, transaction__created_at__gte=since
        )
        .select_related("transaction")
        .order_by("-transaction__created_at", "-id")[:5]
    )


UNIT_ENTRIES = 20  # a unit's latest entries shown to its members


@dataclass
class UnitAccount:
    account: Account
    entries: list[Entry]


def unit_accounts(viewer: Any) -> list[UnitAccount]:
    """The points accounts of the partner units the viewer belongs to (a targeted task
    claimed for a unit pays the unit), each with its latest entries."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    accounts = list(
        Account.objects.filter(kind=AccountKind.UNIT, unit__members=viewer)
        .select_related("area", "unit")
        .order_by("name", "pk")
    )
    return [
        UnitAccount(
            account,
            list(
                Entry.objects.filter(account=account)
                .select_related("transaction")
                .order_by("-at", "-id")[:UNIT_ENTRIES]
            ),
        )
        for account in accounts
    ]


def store_items(viewer: Any) -> QuerySet[StoreItem]:
    """The catalogue a resident may redeem from: the items of the street and community
    their points account belongs to (where the points were issued; for someone who has
    moved since, that is not where they now live), or where it will be opened before they
    have one (their home, or the community a party member reports to)."""
    account = Account.objects.filter(user_id=viewer.pk).values_list("area_path", flat=True).first()
    home = account or community_path(account_home_path(viewer))
    if len(codes(home)) < 2:
        return StoreItem.objects.none()
    return StoreItem.objects.filter(active=True, area_path__in=ancestors(home)).order_by("price", "id")


def may_hold_points(viewer: Any) -> bool:
    """Whether the viewer can have a personal points account (and so redeem): a
    resident or party member of a community, not a partner unit's or a staff login
    (the rule of ``services.account_for_user``)."""
    from shequ.access.roles import Role
    from shequ.access.scope import assignments

    # Asked by the navigation of every page: what needs no query first.
    if getattr(viewer, "resident_id", None) or any(role == Role.RESIDENT for role, _ in assignments(viewer)):
        return True
    if Account.objects.filter(user_id=viewer.pk).exists():
        return True
    # A party member who reports to a community (双报到) holds points there.
    from shequ.party.selectors import reporting_communities

    return bool(assignments(viewer)) and bool(reporting_communities(viewer))


def next_windows(items: list[StoreItem], today: date | None = None) -> dict[int, RedemptionWindow | None]:
    """For each item, the next redemption window of its street or community that has not
    begun yet (None when none is set): what a resident is told while the store is shut."""
    from django.utils import timezone

    today = today or timezone.localdate()
    paths = {path for item in items for path in ancestors(item.area_path)}
    coming = list(
        RedemptionWindow.objects.filter(area_path__in=paths, starts_on__gt=today).order_by("starts_on")
    )
    return {
        item.pk: next((w for w in coming if w.area_path in set(ancestors(item.area_path))), None)
        for item in items
    }


def with_windows(items: list[StoreItem]) -> list[StoreItem]:
    """Each item with ``open_period`` (``services.current_window``) and ``coming_window``
    (``next_windows``, while it is shut), read for all of them at once; an item that has
    them already is left as it is."""
    todo = [item for item in items if not hasattr(item, "open_period")]
    if todo:
        periods = current_windows(todo)
        coming = next_windows([item for item in todo if periods[item.pk] is None])
        for item in todo:
            item.open_period = periods[item.pk]
            item.coming_window = coming.get(item.pk)
    return items


def catalogue(viewer: Any) -> QuerySet[StoreItem]:
    """Staff: every item of the streets and communities they manage, on or off the shelf."""
    return StoreItem.objects.visible_to(viewer).select_related("area").order_by("area_path", "price", "id")


def windows(viewer: Any) -> QuerySet[RedemptionWindow]:
    """Staff: the redemption windows of the streets and communities they manage, and
    those of the street above them, which rule their stores too (a community's staff saw
    未设置 while the street's period was in force, and their own refused as overlapping
    one they could not see). Those from above have ``set_above`` and are read only: their
    dates are the street's (``services._managed_window`` finds them for it alone)."""
    paths = scope_paths(viewer, Permission.STORE_MANAGE)
    above = sorted({p for path in paths for p in ancestors(path)} - set(paths))
    return (
        RedemptionWindow.objects.filter(scope_q(viewer, Permission.STORE_MANAGE) | Q(area_path__in=above))
        .annotate(set_above=ExpressionWrapper(Q(area_path__in=above), output_field=BooleanField()))
        .select_related("area")
    )


def get_item(viewer: Any, item_id: int) -> StoreItem:
    item = StoreItem.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound("兑换物品")
    if can(viewer, Permission.STORE_MANAGE, item.area_path):
        return item
    if item.active and store_items(viewer).filter(pk=item.pk).exists():
        return item
    raise NotFound("兑换物品")


# What an order shows of its buyer: the account's name and the household's address.
BUYER = ("item", "account", "user__resident__household__building")


def my_orders(viewer: Any) -> QuerySet[Order]:
    return Order.objects.filter(user_id=viewer.pk).select_related(*BUYER).order_by("-created_at", "-id")


def orders_to_fulfil(viewer: Any, status: str = "") -> QuerySet[Order]:
    # The household's address for the delivery label (building and door; no phone).
    qs = Order.objects.visible_to(viewer).select_related(*BUYER)
    # A login not linked to the register is delivered to its resident role's household.
    qs = qs.prefetch_related("user__assignments__household__building")
    # Every status named when none is asked for: the statuses' ranges of order_fulfil_idx,
    # whose path column picks the scope's orders, instead of a read of every order. Still
    # sorted (no index walks all statuses newest first).
    qs = qs.filter(status=status) if status else qs.filter(status__in=OrderStatus.values)
    return qs.order_by("-created_at", "-id")


def get_order(viewer: Any, order_id: int) -> Order:
    order = Order.objects.filter(pk=order_id).select_related(*BUYER).first()
    if order is None or not (
        order.user_id == viewer.pk or can(viewer, Permission.STORE_MANAGE, order.area_path)
    ):
        raise NotFound("订单")
    return order


def delivery_address(order: Order) -> str:
    """Where the order is delivered: the buyer's household (building and door; no phone),
    or for a login not linked to the register the household of its resident role."""
    resident = getattr(order.user, "resident", None)
    household = resident.household if resident is not None else None
    if household is None:
        household = next((a.household for a in order.user.assignments.all() if a.household_id), None)
    return f"{household.building.name} {household.address}" if household is not None else ""


def order_timeline(viewer: Any, order: Order) -> list[OrderEvent]:
    """The order's steps, oldest first; a cancel reason is its writer's text, its
    numbers masked for everyone else. A correction's note is the old and the new
    waybill, written by the service and shown in full, as the order's waybill is (a
    number of 11 or 15 digits would read as a phone or an ID number)."""
    events = list(order.events.select_related("actor"))
    for e in events:
        if e.action != "correct_shipping":
            e.note = shown_to(viewer, e.actor_id, e.note)
    return events


def ledger(viewer: Any, area_path: str = "") -> QuerySet[Entry]:
    """Staff: the entries of the communities they may read."""
    qs = Entry.objects.filter(scope_q(viewer, Permission.POINTS_VIEW, "area_path"))
    if area_path:
        qs = qs.filter(area_path=area_path)
    return qs.select_related("account", "transaction").order_by("-at", "-id")


def name_typed(viewer: Any, q: str, name: str, resident: str) -> Q | None:
    """A search of people by name as the register's search box reads it (full-width
    letters from a Chinese input method and spaces, "张 三", set aside; a unit's name
    with its space, "中国移动 历下分公司", found as typed too): ``name`` holds
    the text; pinyin or its initials (zs, zhangsan) match, through ``resident``, those
    the register finds by them in the viewer's points scope. Letters only: a full phone
    or ID number is the register's audited search, not these lists'. None: no search."""
    spaced = " ".join(unicodedata.normalize("NFKC", q).split())  # a unit's name may hold one
    text = spaced.replace(" ", "")
    if not text:
        return None
    match = Q(**{f"{name}__icontains": text}) | Q(**{f"{name}__icontains": spaced})
    if text.isascii() and text.isalpha():
        from shequ.people.models import Resident
        from shequ.people.selectors import search

        residents = search(
            Resident.objects.filter(scope_q(viewer, Permission.POINTS_VIEW, "area_path")), text
        )
        match |= Q(**{f"{resident}__in": residents.order_by().values("pk")})
    return match


def accounts(viewer: Any, q: str = "") -> QuerySet[Account]:
    """Staff: the points accounts of the communities they may read (people, units and the
    community's issuer), by community and name; ``q`` narrows by name."""
    # A person's household (building and door) tells two of one name apart (王伟, 王伟).
    qs = Account.objects.filter(scope_q(viewer, Permission.POINTS_VIEW, "area_path")).select_related(
        "area", "user__resident__household__building"
    )
    match = name_typed(viewer, q, "name", "user__resident")
    if match is not None:
        qs = qs.filter(match)
    return qs.order_by("area_path", "kind", "name", "pk")


def account_address(viewer: Any, account: Account) -> str:
    """The household (building and door) of a person's account, for staff who may read the
    register there. An auditor reads points, not the register: the name and balance only."""
    resident = account.user.resident if account.user is not None else None
    household = resident.household if resident is not None else None
    if household is None or not can(viewer, Permission.RESIDENT_VIEW, account.area_path):
        return ""
    return f"{household.building.name} {household.address}"


def residents_without_account(viewer: Any, q: str) -> list[Any]:
    """Staff who manage points: residents of the register in scope matching ``q`` (a name,
    pinyin or full number, as the registry search) who have no points account yet, so a
    balance carried over from a paper ledger can be entered before they earn anything."""
    from shequ.people.models import Resident
    from shequ.people.selectors import search

    if not q:
        return []
    in_scope = Resident.objects.filter(scope_q(viewer, Permission.POINTS_MANAGE, "area_path"))
    found = search(in_scope, q).exclude(user__points_account__isnull=False)
    return list(found.select_related("household__building")[:20])


def get_account(viewer: Any, account_id: int) -> Account:
    """Staff: one account they may read, or the same 404 as a missing one."""
    found = accounts(viewer).filter(pk=account_id).first()
    if found is None:
        raise NotFound("积分账户")
    return found


def account_entries(account: Account) -> QuerySet[Entry]:
    """An account's entries, newest first, with what each was for."""
    return Entry.objects.filter(account=account).select_related("transaction").order_by("-at", "-id")


def reversible(viewer: Any, q: str = "") -> QuerySet[Transaction]:
    """Staff: the awards, service points and opening balances of the communities whose
    points they manage, newest first, each with its entries and any reversal (冲正). The
    returned queryset carries ``count_source``, the same rows without the order test: the
    pager's count reads the table in order and stops at the cap, where the index walk
    would look each row up (97 ms against 10 for a community at 500,000 transactions)."""
    rows = Transaction.objects.filter(
        scope_q(viewer, Permission.POINTS_MANAGE, "area_path"),
        kind__in=[TxnKind.AWARD, TxnKind.SERVICE, TxnKind.OPENING],
    )
    if q:
        # A person's or unit's name, or what it was for (a task's title, a service, a
        # note): the pager counts to 10,000, and older records were out of reach.
        # The name is found as 积分账户 finds it (pinyin, initials, full-width, spaced).
        found = accounts(viewer, q).order_by().values("pk")
        named = Entry.objects.filter(account__in=found).values("transaction_id")
        rows = rows.filter(Q(memo__contains=unicodedata.normalize("NFKC", q).strip()) | Q(pk__in=named))
    qs = (
        rows.filter(order__isnull=True)  # implied by the kinds; lets the planner take txn_reversible_idx
        .select_related("reversed_by", "created_by")
        .prefetch_related("entries__account")
        .order_by("-created_at", "-id")
    )
    qs.count_source = rows  # type: ignore[attr-defined]
    return qs


def service_records(viewer: Any) -> QuerySet[ServiceRecord]:
    """Each record with the memo of its reversal (``reversal_memo``, None while its points
    stand), read in the list's own query: a reversed record was listed as if it stood."""
    from django.db.models import OuterRef, Subquery

    undone = Transaction.objects.filter(kind=TxnKind.REVERSAL, reverses__service_record_id=OuterRef("pk"))
    return (
        ServiceRecord.objects.visible_to(viewer)
        .select_related("member", "recorded_by")
        .annotate(reversal_memo=Subquery(undone.values("memo")[:1]))
    )


def reversal_reason(memo: str | None) -> str | None:
    """The reason of a reversal (冲正) from its memo ("冲正 #<original>：<reason>"), masked
    as every memo is shown; None when there is no reversal."""
    if memo is None:
        return None
    return mask_free_text(memo.partition("：")[2] or memo)


# ---------------------------------------------------------------- recognition

TZ = ZoneInfo(settings.TIME_ZONE)
RANK_TITLES = {AccountKind.RESIDENT: "社区治理能人", AccountKind.PARTY_MEMBER: "社区治理先锋"}


def quarter_range(year: int, quarter: int) -> tuple[datetime, datetime]:
    start = datetime(year, 3 * (quarter - 1) + 1, 1, tzinfo=TZ)
    end = (
        datetime(year + 1, 1, 1, tzinfo=TZ) if quarter == 4 else datetime(year, 3 * quarter + 1, 1, tzinfo=TZ)
    )
    return start, end


def year_range(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=TZ), datetime(year + 1, 1, 1, tzinfo=TZ)


def current_quarter(today: date) -> tuple[int, int]:
    return today.year, (today.month - 1) // 3 + 1


FIRST_YEAR, LAST_YEAR = 2000, 2100


def requested_quarter(raw_year: str, raw_quarter: str, today: date) -> tuple[int, int, dict[str, str]]:
    """The year and quarter a ranking is asked for, from what the user typed: blank means
    the current one. Anything else must be a year from 2000 to 2100 and a quarter from 1
    to 4, not after the current one; otherwise the field is named in the errors and the
    current one is shown."""
    year, quarter = current_quarter(today)
    errors: dict[str, str] = {}
    raw_year, raw_quarter = raw_year.strip(), raw_quarter.strip()
    if raw_year:
        typed = whole(raw_year, low=FIRST_YEAR, high=LAST_YEAR)
        if typed is not None:
            year = typed
        else:
            errors["year"] = f"年份必须是 {FIRST_YEAR} 到 {LAST_YEAR} 之间的整数，您填写的是“{raw_year[:20]}”"
    if raw_quarter:
        typed_quarter = whole(raw_quarter, low=1, high=4)  # full-width too, as the year
        if typed_quarter is not None:
            quarter = typed_quarter
        else:
            errors["quarter"] = f"季度必须是 1 到 4 之间的整数，您填写的是“{raw_quarter[:20]}”"
    now = current_quarter(today)
    if not errors and (year, quarter) > now:
        # A quarter not begun has nobody on its lists: shown, it reads as nobody earned.
        field = "quarter" if raw_quarter else "year"
        errors[field] = f"{year}年第{quarter}季度还没有开始，可查看{now[0]}年第{now[1]}季度及以前的排名"
        year, quarter = now
    return year, quarter, errors


@dataclass
class Ranked:
    rank: int
    account_id: int
    name: str
    points: int
    stars: int = 0
    # The person's household (building and door), for staff who may read the register
    # (``with_households``): two 王伟 on one list are told apart. Never on the public board.
    address: str = ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def stars_for(total: int) -> int:
    return sum(1 for threshold in settings.STAR_THRESHOLDS if total >= threshold)


def standing(account: Any, today: date) -> tuple[int, int]:
    """An account's points earned this quarter and its star level of the year (from the
    year's earned total), as 我的积分 and the balance API both show them."""
    year, quarter = current_quarter(today)
    totals = dict(
        account.earning_totals.filter(period__in=[f"{year}Q{quarter}", f"{year}"]).values_list(
            "period", "earned"
        )
    )
    return int(totals.get(f"{year}Q{quarter}", 0)), stars_for(int(totals.get(f"{year}", 0)))


def ranking(community: Area, kind: str, year: int, quarter: int, limit: int | None = None) -> list[Ranked]:
    """Points earned (awards and service, net of their reversals) in one quarter by the
    accounts of one kind in one community, highest first (ties by name). Reads the
    earned totals (``EarningTotal``), kept in step with the entries. Each row's stars are
    its star level of the year (星级 is yearly), not of the quarter."""
    ranked = _ranked(
        EarningTotal.objects.filter(
            area_path=community.path, account_kind=kind, period=f"{year}Q{quarter}", earned__gt=0
        ),
        limit or settings.RANKING_SIZE,
    )
    yearly = dict(
        EarningTotal.objects.filter(
            account_id__in=[r.account_id for r in ranked], period=f"{year}"
        ).values_list("account_id", "earned")
    )
    for r in ranked:
        r.stars = stars_for(int(yearly.get(r.account_id, 0)))
    return ranked


def star_volunteers(community: Area, year: int, limit: int | None = None) -> list[Ranked]:
    """Yearly star levels (星级志愿者): everyone whose points earned in the year reach the
    first threshold, however many (the lists the year-end prizes are given from: a cap
    of 100 left the 101st off the board and the staff list, unsaid)."""
    return _ranked(
        EarningTotal.objects.filter(
            area_path=community.path, period=f"{year}", earned__gte=settings.STAR_THRESHOLDS[0]
        ).exclude(account_kind=AccountKind.UNIT),
        limit,
    )


@dataclass
class StarList:
    """One year's star volunteers as a notice board posts them."""

    year: int
    final: bool  # the year is over: its levels are the year-end ones, not a running count
    rows: list[Ranked]

    @property
    def title(self) -> str:
        return f"{self.year}年度星级志愿者" if self.final else f"{self.year}年星级志愿者（截至目前）"


def notice_stars(
    community: Area, year: int, quarter: int, today: date, limit: int | None = None
) -> list[StarList]:
    """The star lists a notice board (公示栏) posts in a quarter: the year's, a running
    count until the year is over; in the first quarter, before any quarter of the year is
    complete, the year before's final levels first, as stars are awarded at year end and
    those are the ones posted then. That one only when it names someone: in a community's
    first year of use there is no year before to post, and an empty heading reads as one."""
    lists = [StarList(year, year < today.year, star_volunteers(community, year, limit))]
    if quarter == 1 and year - 1 >= FIRST_YEAR:
        before = star_volunteers(community, year - 1, limit)
        if before:
            lists.insert(0, StarList(year - 1, year - 1 < today.year, before))
    return lists


def _ranked(rows: QuerySet[EarningTotal], limit: int | None) -> list[Ranked]:
    """The first ``limit`` places (all of them for None), ties sharing a rank (1, 2, 2,
    4): whoever ties with the last place shown is shown too, not left off the notice
    board by account id."""
    fields = ("account_id", "account__name", "earned")
    ordered = rows.order_by("-earned", "account_id").values_list(*fields)
    found = list(ordered if limit is None else ordered[:limit])
    if found and len(found) == limit:
        last = found[-1][2]
        shown = [pk for pk, _, total in found if total == last]
        found += list(
            rows.filter(earned=last).exclude(account_id__in=shown).order_by("account_id").values_list(*fields)
        )
    # Equal points are listed by name (pinyin), not by when each account was opened: on
    # a notice that order would read as a ranking within the tie. A tie is never cut
    # short above, so sorting the rows read keeps every group whole.
    found.sort(key=lambda row: (-row[2], name_pinyin(row[1])[0], row[1], row[0]))
    ranked: list[Ranked] = []
    for i, (pk, name, total) in enumerate(found):
        rank = ranked[-1].rank if ranked and ranked[-1].points == int(total) else i + 1
        ranked.append(Ranked(rank, pk, name, int(total), stars_for(int(total))))
    return ranked


def with_households(viewer: Any, community: Area, *lists: list[Ranked]) -> None:
    """Staff: set each row's ``address`` to the household of the person (building and
    door, no phone), read for every row at once, as 积分账户 shows it, when the viewer may
    read the register of the community; an auditor reads names and points only."""
    rows = [r for rows in lists for r in rows]
    if not rows or not can(viewer, Permission.RESIDENT_VIEW, community.path):
        return
    found = {
        pk: f"{building} {door}"
        for pk, building, door in Account.objects.filter(
            pk__in={r.account_id for r in rows}, user__resident__household__isnull=False
        ).values_list("pk", "user__resident__household__building__name", "user__resident__household__address")
    }
    for r in rows:
        r.address = found.get(r.account_id, "")


def ranking_communities(viewer: Any) -> QuerySet[Area]:
    return Area.objects.filter(kind="community").filter(scope_q(viewer, Permission.POINTS_VIEW, "path"))


def own_community(viewer: Any, account: Account | None = None) -> Area | None:
    """The community whose notice board (公示栏) a person's points count on: their
    account's, or where it will be opened before they have one."""
    if account is not None:
        return account.area
    path = community_path(account_home_path(viewer))
    return Area.objects.filter(path=path, kind="community").first() if len(codes(path)) >= 2 else None


def notice_community(code: str) -> Area:
    """The public notice board (公示栏) of a community: anyone may read it, masked."""
    area = Area.objects.filter(code=code, kind="community").first()
    if area is None:
        raise NotFound("社区")
    return area
