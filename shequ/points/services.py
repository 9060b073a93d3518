"""Every write to the points ledger and the store.

Ledger rules (docs/tasks.md): a transaction's entries sum to zero; balances move only by
conditional UPDATEs, so no account but a community's issuer can go below zero; rows
are never changed, a mistake is undone by a reversing transaction. Locks are always
taken in one order — the personal account, then the store item, then the issuer — so
two writers never wait on each other in a circle (PostgreSQL); on SQLite the write
transaction is IMMEDIATE and so runs alone. The rows every redemption shares (the item,
the issuer) are written last, so they are held for as short a time as possible."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear
from django.utils import timezone

from shequ.access import audit
from shequ.access.masking import kept_if_echoed, mask_free_text
from shequ.access.models import AuditEvent
from shequ.access.roles import Permission, Role
from shequ.access.scope import assignments, can, scope_q
from shequ.areas.models import Area
from shequ.areas.paths import ancestors, codes
from shequ.core import rawsql
from shequ.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from shequ.core.idempotency import checked_key, reused
from shequ.core.texts import one_line, too_long
from shequ.points.lifecycle import OWNER, STATUS_LABELS, TRANSITIONS
from shequ.points.models import (
    EARNING_KINDS,
    Account,
    AccountKind,
    EarningTotal,
    Entry,
    Order,
    OrderEvent,
    OrderStatus,
    RedemptionWindow,
    ServiceKind,
    ServiceRecord,
    StoreItem,
    Transaction,
    TxnKind,
)


class Refused(DomainError):
    """A redemption the rules refuse: 库存不足, 积分不足, 超出限兑, 不在兑换期, 价格已变."""

    status = 409

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(code, message, {field: message})


def community_path(path: str) -> str:
    parts = codes(path)
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else path


def _community(path: str) -> Area:
    area = Area.objects.filter(path=community_path(path)).first()
    if area is None:
        raise ValidationFailed({"area": "找不到所属社区"})
    return area


# ---------------------------------------------------------------- accounts


def issuer_for(community: Area) -> Account:
    """The community's issuing account (社区积分发放账户), created on first use."""
    found = Account.objects.filter(kind=AccountKind.ISSUER, area=community).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(
                kind=AccountKind.ISSUER,
                area=community,
                area_path=community.path,
                name=f"{community.name}积分发放",
            )
    except IntegrityError:
        return Account.objects.get(kind=AccountKind.ISSUER, area=community)


def user_home_path(user: Any) -> str:
    """Where a person belongs: their household, else their deepest role assignment."""
    resident = getattr(user, "resident", None)
    if resident is not None:
        return str(resident.area_path)
    paths = [path for role, path in assignments(user) if role in (Role.RESIDENT, Role.PARTNER_UNIT)]
    paths = paths or [path for _, path in assignments(user)]
    return max(paths, key=len) if paths else ""


def account_home_path(user: Any) -> str:
    """Where the person's account will be opened (``account_for_user``'s rule), for the
    store and the notice board shown before it is: their home, else the community they
    report to as a party member (双报到), else where their login serves."""
    resident = getattr(user, "resident", None)
    if resident is None and not any(role == Role.RESIDENT for role, _ in _roles_held(user)):
        reporting = _reports_to(user)
        if reporting:
            return reporting[0]
    return user_home_path(user)


def _roles_held(user: Any) -> list[tuple[str, str]]:
    """The account's (role, path) pairs, also once it is stopped: proof it sent before is
    still accepted, and the points need its account (``assignments`` gives a stopped
    account none, as it may no longer act)."""
    if getattr(user, "is_active", True):
        return assignments(user)
    from shequ.access.models import RoleAssignment

    return list(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "path"))


def account_for_user(user: Any) -> Account:
    """The person's own account, created on first use: a party member's or a resident's."""
    found = Account.objects.filter(user_id=user.pk).first()
    if found is not None:
        return found
    resident = getattr(user, "resident", None)
    homes = [path for role, path in _roles_held(user) if role == Role.RESIDENT]
    reporting = [] if resident is not None or homes else _reports_to(user)
    if reporting:
        # A party member of a unit elsewhere who reports to the community (双报到) and
        # has no home in the register: their points count where they serve, on its
        # 社区治理先锋 list, and are spent in its store.
        return _open_account(user, AccountKind.PARTY_MEMBER, _community(reporting[0]), str(user))
    if resident is None and not homes:
        # A partner unit's or a staff login is not a private person of the area: a unit's
        # points go to the unit's account, and staff earn none.
        raise ValidationFailed(
            {"account": "只有本社区的居民和党员可以开立个人积分账户；共建单位的积分记入单位账户"}
        )
    home = str(resident.area_path) if resident is not None else max(homes, key=len)
    if len(codes(home)) < 2:
        raise ValidationFailed({"account": "您不属于任何社区，无法开立积分账户"})
    community = _community(home)
    kind = (
        AccountKind.PARTY_MEMBER
        if resident is not None and resident.party_member_kind
        else AccountKind.RESIDENT
    )
    name = resident.name if resident is not None else str(user)
    return _open_account(user, kind, community, name)


def _open_account(user: Any, kind: str, community: Area, name: str) -> Account:
    try:
        with transaction.atomic():
            return Account.objects.create(
                kind=kind, user=user, area=community, area_path=community.path, name=name
            )
    except IntegrityError:
        return Account.objects.get(user_id=user.pk)


def _reports_to(user: Any) -> list[str]:
    """The communities a login reports to as a party member (双报到), also once it is
    stopped (as ``_roles_held``: proof it sent before is still accepted)."""
    from shequ.party.models import DualRegistration

    return sorted(set(DualRegistration.objects.filter(user_id=user.pk).values_list("area_path", flat=True)))


def sync_account_kinds() -> int:
    """Keep each person's account on the list their party membership puts it in: an
    account opened as a resident's moves to the party members' (社区治理先锋) when the
    registry marks the person a party member, and back when it no longer does, earned
    totals of this quarter and year included (past quarters keep the list they were
    published on), so the current ranking follows the register (membership is set
    when a resident is registered, and may be corrected later in the admin). Returns how
    many accounts moved. Run by ``reconcile``, the nightly job."""
    people = Account.objects.filter(
        kind__in=(AccountKind.RESIDENT, AccountKind.PARTY_MEMBER), user__resident__isnull=False
    )
    moved = 0
    for pk, kind, party in people.values_list("pk", "kind", "user__resident__party_member_kind"):
        wanted = AccountKind.PARTY_MEMBER if party else AccountKind.RESIDENT
        if wanted == kind:
            continue
        with transaction.atomic():
            if _lock_account(pk) is None:
                continue
            Account.objects.filter(pk=pk).update(kind=wanted)
            # This quarter's and this year's totals move with it; past quarters keep the
            # list they were published on.
            EarningTotal.objects.filter(account_id=pk, period__in=periods(timezone.now())).update(
                account_kind=wanted
            )
            audit.record(None, "points.account_kind", detail={"account": pk, "from": kind, "to": wanted})
        moved += 1
    return moved


def account_for_unit(unit: Any) -> Account:
    found = Account.objects.filter(unit_id=unit.pk).first()
    if found is not None:
        return found
    community = _community(unit.area_path)
    try:
        with transaction.atomic():
            return Account.objects.create(
                kind=AccountKind.UNIT, unit=unit, area=community, area_path=community.path, name=unit.name
            )
    except IntegrityError:
        return Account.objects.get(unit_id=unit.pk)


# ---------------------------------------------------------------- the ledger


def _insufficient(account: Account, needed: int) -> Refused:
    current = Account.objects.filter(pk=account.pk).values_list("balance", flat=True).first() or 0
    return Refused("insufficient_points", "points", f"积分不足：需要 {needed} 分，当前余额 {current} 分")


def post(
    kind: str,
    memo: str,
    actor: Any,
    community: Area,
    lines: list[tuple[Account, int]],
    *,
    earning: bool | None = None,
    at: datetime | None = None,
    counts_at: datetime | None = None,
    **links: Any,
) -> Transaction:
    """Write one balanced transaction. Must run inside the caller's transaction.
    ``at`` dates an imported past transaction (the demo's year, an earlier system);
    ``counts_at`` dates the entries, and so the quarter and year whose rankings they
    count in, when that is not the day they are written (a service done last week; a
    reversal, which counts where what it reverses did)."""
    _check_balanced(lines)
    now = at or timezone.now()
    txn = Transaction.objects.create(
        kind=kind,
        # Every holder of its lines reads the memo: numbers staff typed into a reason or
        # an opening balance's note (a neighbour's phone) are masked as they are written.
        memo=memo_as_stored(memo),
        community=community,
        area_path=community.path,
        created_by=actor,
        created_at=now,
        **links,
    )
    # Personal accounts first, the issuer last: the one lock order.
    for account, amount in sorted(lines, key=lambda line: (line[0].kind == AccountKind.ISSUER, line[0].pk)):
        _move(account, amount)
    is_earning = kind in EARNING_KINDS if earning is None else earning
    _write_entries(txn, lines, is_earning, counts_at or now)
    if is_earning:
        _add_earnings(lines, counts_at or now)
    return txn


def memo_as_stored(memo: str) -> str:
    """A memo as ``post`` writes it: numbers masked, within its column. One longer (a
    service's kind before its 200-character note) ends in "…", so that whoever reads it
    on their ledger knows there is more (the record keeps all of it)."""
    masked = mask_free_text(memo)
    return masked if len(masked) <= 200 else masked[:199] + "…"


def periods(at: datetime) -> tuple[str, str]:
    """The quarter and the year (local time) an entry dated ``at`` counts in."""
    local = timezone.localtime(at)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}", f"{local.year}"


def _add_earnings(lines: list[tuple[Account, int]], at: datetime) -> None:
    """Raise the quarter's and the year's earned totals of each personal account."""
    sql = (
        "INSERT INTO points_earningtotal (account_id, period, area_path, account_kind, earned) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (account_id, period) "
        "DO UPDATE SET earned = points_earningtotal.earned + excluded.earned"
    )
    rows = [
        (account.pk, period, account.area_path, account.kind, amount)
        for account, amount in lines
        if account.kind != AccountKind.ISSUER
        for period in periods(at)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _move(account: Account, amount: int) -> None:
    """Change a cached balance by a conditional UPDATE: only the issuer may go below zero."""
    rows = Account.objects.filter(pk=account.pk)
    if amount < 0 and account.kind != AccountKind.ISSUER:
        rows = rows.filter(balance__gte=-amount)
    if rows.update(balance=F("balance") + amount) != 1:
        raise _insufficient(account, -amount)


def _check_balanced(lines: list[tuple[Account, int]]) -> None:
    """The double-entry rule: two or more non-zero lines that sum to zero."""
    _check_amounts([(a.pk, n) for a, n in lines])


def _check_amounts(lines: list[tuple[int, int]]) -> None:
    """``_check_balanced`` over (account id, amount) lines."""
    if len(lines) < 2 or sum(amount for _, amount in lines) != 0 or any(amount == 0 for _, amount in lines):
        raise ValueError(f"unbalanced transaction: {lines}")


def _write_entries(
    txn: Transaction, lines: list[tuple[Account, int]], earning: bool, at: datetime | None = None
) -> None:
    """Every ledger line is written here, and only after the double-entry check; dated
    ``at``, else when the transaction was."""
    _check_balanced(lines)
    Entry.objects.bulk_create(
        Entry(
            transaction=txn,
            account=account,
            amount=amount,
            kind=txn.kind,
            earning=earning,
            area_path=account.area_path,
            account_kind=account.kind,
            at=at or txn.created_at,
        )
        for account, amount in lines
    )


def reverse(actor: Any, transaction_id: int, reason: str, *, ip: str = "") -> Transaction:
    """冲正: undo an award, a service record or an opening balance with opposite entries."""
    original = (
        Transaction.objects.filter(
            pk=transaction_id, kind__in=[TxnKind.AWARD, TxnKind.SERVICE, TxnKind.OPENING]
        )
        .select_related("community")
        .first()
    )
    if original is None or not can(actor, Permission.POINTS_MANAGE, original.area_path):
        raise NotFound("积分交易")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "冲正需要填写原因"})
    errors: dict[str, str] = {}
    # The memo (200) holds "冲正 #id：" and the reason: a longer one is named, not cut.
    too_long(errors, [("reason", "冲正原因", reason, 180)])
    if errors:
        raise ValidationFailed(errors)
    if Transaction.objects.filter(reverses=original).exists():
        raise ValidationFailed({"transaction": "这笔交易已经冲正过"})
    entries = list(original.entries.select_related("account", "account__unit"))
    try:
        with transaction.atomic():
            txn = post(
                TxnKind.REVERSAL,
                f"冲正 #{original.pk}：{reason}",
                actor,
                original.community,
                [(e.account, -e.amount) for e in entries],
                earning=original.kind in EARNING_KINDS,
                counts_at=entries[0].at,  # takes back the points from the quarter they counted in
                reverses=original,
            )
            _tell_reversed(actor, original, entries, reason)
            audit.record(actor, "points.reverse", area_path=original.area_path, obj=txn, ip=ip)
    except IntegrityError:
        raise ValidationFailed({"transaction": "这笔交易已经冲正过"}) from None
    except Refused:
        raise ValidationFailed({"transaction": _short_for_reversal(entries)}) from None
    return txn


def _short_for_reversal(entries: list[Entry]) -> str:
    """Why a reversal cannot take its points back: the holder has spent them (the
    balance may not go below zero), said to the staff member, not as a buyer's 积分不足."""
    for entry in entries:
        if entry.account.kind == AccountKind.ISSUER or entry.amount <= 0:
            continue
        balance = Account.objects.filter(pk=entry.account_id).values_list("balance", flat=True).first() or 0
        if balance < entry.amount:
            return (
                f"“{entry.account.name}”的积分余额只有 {balance} 分，不够扣回 {entry.amount} 分"
                "（积分可能已用于兑换），不能冲正；可先取消其未发货的兑换订单"
            )
    return "积分余额不足，不能冲正"


def _tell_reversed(actor: Any, original: Transaction, entries: list[Entry], reason: str) -> None:
    """冲正 is told, with its reason, to whoever holds the points: the person, or the
    members of the partner unit whose account it was."""
    from shequ.notifications.services import notify

    for entry in entries:
        account = entry.account
        if account.kind == AccountKind.ISSUER:
            continue
        # The reason and an opening balance's memo are staff's free text: numbers typed
        # into them (a neighbour's phone) are masked for the holder who reads them.
        memo, why = mask_free_text(original.memo), mask_free_text(reason)
        what = f"“{memo}”的 {entry.amount} 积分已被冲正（扣回），原因：{why}"
        if account.unit_id:
            members = account.unit.members.filter(is_active=True) if account.unit else []
            notify(members, f"{account.name}的单位账户中{what}", "/points/", skip=actor)
        elif account.user_id:
            notify([account.user_id], f"您{what}", "/points/", skip=actor)


def award(actor: Any, *, task: Any, account: Account, points: int, memo: str) -> Transaction:
    """Points for an accepted task, from the community's issuer. Inside the caller's transaction."""
    community = _community(task.area_path)
    return post(
        TxnKind.AWARD,
        memo,
        actor,
        community,
        [(issuer_for(community), -points), (account, points)],
        task=task,
    )


@dataclass
class ServiceInput:
    member: int  # user id (0 when the member is given by ``resident``)
    kind: str
    note: str
    points: int
    served_on: date | None = None
    # The party member's registry record: most 无职党员 have never signed in, and their
    # points must not wait for a login (one is made for them, with no password).
    resident: int | None = None
    idempotency_key: str = ""  # a resent form records the service once


def record_service(actor: Any, data: ServiceInput, *, ip: str = "") -> ServiceRecord:
    """党员服务积分 (see ``record_service_once``): the record made, or the key's first one."""
    return record_service_once(actor, data, ip=ip)[0]


def record_service_once(actor: Any, data: ServiceInput, *, ip: str = "") -> tuple[ServiceRecord, bool]:
    """A party member's service points (代办服务, 收集社情民意…), recorded by staff.
    Returns (record, created): a repeated ``idempotency_key`` returns the record the first
    request made, and the same key with anything else in it is refused."""
    from shequ.access.models import User
    from shequ.people.models import Resident

    key = checked_key(data.idempotency_key)
    first = _keyed(actor, key, TxnKind.SERVICE)
    if first is not None and first.service_record is not None:
        return _same_service(first.service_record, data), False
    errors: dict[str, str] = {}
    member = None
    if data.resident:
        resident = Resident.objects.filter(pk=data.resident).select_related("household").first()
        member = User.objects.filter(resident_id=data.resident).first()
    else:
        member = User.objects.filter(pk=data.member, is_active=True).select_related("resident").first()
        resident = member.resident if member is not None else None
    # One message whether the person is not a party member or out of the actor's scope:
    # two would tell anyone recording points the party status of any user id.
    if (
        resident is None
        or not resident.party_member_kind
        or not can(actor, Permission.POINTS_MANAGE, resident.area_path)
    ):
        errors["resident" if data.resident else "member"] = "请选择您管辖范围内的一名党员"
    elif member is not None and not member.is_active:
        # Still in the register, and so on the page's list: said as it is, not as one
        # staff cannot pick.
        errors["resident"] = (
            f"{resident.name}的登录账号已停用，不能记录服务积分；如仍需记录，请先由系统管理员恢复其账号"
        )
    elif _is_self(actor, member, resident.pk):
        # As nobody accepts the proof of a task they claimed themselves.
        errors["resident" if data.resident else "member"] = "不能给自己记录服务积分，请由其他工作人员记录"
    if data.kind not in ServiceKind.values:
        errors["kind"] = "服务类型不在可选范围内"
    note = (data.note or "").strip()
    if len(note) < 2:
        errors["note"] = "请填写服务内容"
    too_long(errors, [("note", "服务内容", note, 200)])
    if not 1 <= data.points <= 100:
        errors["points"] = "积分必须在 1 到 100 之间"
    today = timezone.localdate()
    served_on = data.served_on or today
    earliest = date(today.year - 1, 1, 1)  # this year's and last year's service only
    if served_on > today:
        errors["served_on"] = "服务日期不能晚于今天"
    elif served_on < earliest:
        errors["served_on"] = f"服务日期不能早于 {earliest:%Y年%m月%d日}（只补记今年和去年的服务）"
    if errors:
        raise ValidationFailed(errors)
    assert resident is not None
    try:
        return _record_service(actor, data, member, resident, note, served_on, key, ip), True
    except IntegrityError:
        first = _keyed(actor, key, TxnKind.SERVICE)  # the same request, committed first elsewhere
        if first is None or first.service_record is None:
            raise
        return _same_service(first.service_record, data), False


def _same_service(record: ServiceRecord, data: ServiceInput) -> ServiceRecord:
    """The record a key made, if this request is the same one again: every field it
    sets, as stored (a repeat with another service day was answered with the first
    record, and the day dropped without a word). A request without a day took the day it
    was sent: its retry the next day is still the same request."""
    person = record.member.resident_id if data.resident else record.member_id
    same = (person, record.kind, record.points, record.note) == (
        data.resident or data.member,
        data.kind,
        data.points,
        (data.note or "").strip(),
    ) and data.served_on in (None, record.served_on)
    if not same:
        day = f"{record.served_on:%Y年%m月%d日}"
        raise reused(f"{record.member} {day}的服务积分（{record.note[:20]}，{record.points} 分）")
    return record


def _keyed(actor: Any, key: str, kind: str) -> Transaction | None:
    """The ``kind`` of transaction ``actor`` wrote under ``key``, if any; a key already
    spent on another kind (a client reusing its keys) is named, not answered with it."""
    if not key:
        return None
    # The exclude repeats the unique index's condition, so SQLite searches that index.
    found = (
        Transaction.objects.filter(created_by_id=actor.pk, idempotency_key=key)
        .exclude(idempotency_key="")
        .first()
    )
    if found is not None and found.kind != kind:
        raise ValidationFailed(
            {"idempotency_key": "这个请求编号（Idempotency-Key）已用于另一笔积分记录，请换一个"}
        )
    return found


def _record_service(
    actor: Any, data: ServiceInput, member: Any, resident: Any, note: str, served_on: date, key: str, ip: str
) -> ServiceRecord:
    with transaction.atomic():
        if member is None:
            from shequ.access.services import login_for_resident

            member = login_for_resident(resident, actor=actor)
        record = ServiceRecord.objects.create(
            member=member,
            kind=data.kind,
            note=note[:200],
            points=data.points,
            served_on=served_on,
            area_path=resident.area_path,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        account = account_for_user(member)
        community = account.area
        post(
            TxnKind.SERVICE,
            # The memo is shown to the member and on their ledger: numbers typed into the
            # note (a neighbour's phone) are masked there; the record keeps the note.
            f"{ServiceKind(data.kind).label}：{mask_free_text(note)}",
            actor,
            community,
            [(issuer_for(community), -data.points), (account, data.points)],
            # Counted in the quarter and year of the service, not of the day it is entered.
            counts_at=datetime.combine(served_on, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)),
            service_record=record,
            idempotency_key=key,
        )
        # The member hears of them as a claimant hears of a task's points (a member without
        # a login reads it on first signing in); they heard only of a 冲正 of points never
        # announced. What happened comes first: a notice is cut at 300 characters.
        from shequ.notifications.services import notify

        day = f"{served_on.year}年{served_on.month}月{served_on.day}日"
        what = f"{ServiceKind(data.kind).label}（服务日期 {day}）——{mask_free_text(note)}"
        notify([member], f"您获得 {data.points} 积分：{what}", "/points/", skip=actor)
        audit.record(actor, "points.service", area_path=record.area_path, obj=record, ip=ip)
    return record


def _is_self(actor: Any, user: Any, resident_id: int | None) -> bool:
    """Whether the points would go to the staff member entering them: their own login, or
    the registry person their login belongs to."""
    return (user is not None and user.pk == actor.pk) or (
        resident_id is not None and resident_id == getattr(actor, "resident_id", None)
    )


def account_for_resident(actor: Any, resident_id: int, *, ip: str = "") -> Account:
    """Staff open the account of a resident of the register (to carry over a balance from
    a paper ledger, 期初积分) before the person has earned, redeemed or signed in: their
    login is made as for service points, with no usable password."""
    from shequ.access.services import login_for_resident
    from shequ.people.models import Resident

    resident = (
        Resident.objects.filter(scope_q(actor, Permission.POINTS_MANAGE, "area_path"), pk=resident_id)
        .select_related("household")
        .first()
    )
    if resident is None:
        raise NotFound("居民")
    account = account_for_user(login_for_resident(resident, actor=actor))
    audit.record(actor, "points.account_open", area_path=account.area_path, obj=account, ip=ip)
    return account


def opening_balance_of_account(
    actor: Any, account: Account, points: int, memo: str, *, key: str = "", ip: str = ""
) -> tuple[Transaction, bool]:
    """期初积分 entered on an account staff opened: a person's account only (a unit's or
    an issuing account has no earlier personal balance to carry over). Returns
    (transaction, created), as ``opening_balance_once``."""
    if account.user_id is None:
        raise ValidationFailed(
            {"account": "期初积分只录入居民或党员的个人账户，单位账户和积分发放账户不能录入"}
        )
    return opening_balance_once(actor, account.user, points, memo, key=key, ip=ip)


def opening_balance(
    actor: Any, user: Any, points: int, memo: str, *, key: str = "", ip: str = ""
) -> Transaction:
    """期初积分 (see ``opening_balance_once``): the transaction made, or the key's first one."""
    return opening_balance_once(actor, user, points, memo, key=key, ip=ip)[0]


OPENING_MEMO = "期初积分"  # the memo of a carry-over entered without a note


def opening_balance_once(
    actor: Any, user: Any, points: int, memo: str, *, key: str = "", ip: str = ""
) -> tuple[Transaction, bool]:
    """期初积分: a balance carried over from an earlier system, issued by the community.
    Returns (transaction, created): a repeated ``key`` (a resent form) returns the first
    transaction, and the same key with anything else in it is refused."""
    key = checked_key(key)
    first = _keyed(actor, key, TxnKind.OPENING)
    if first is not None:
        return _same_opening(first, user, points, memo), False
    errors: dict[str, str] = {}
    if not 1 <= points <= 100_000:
        errors["points"] = "期初积分须在 1 到 100000 之间"
    memo = (memo or "").strip()
    too_long(errors, [("memo", "说明", memo, 200)])
    # Out of scope is the same 404 before any message about the input; an account opened
    # just now is checked below.
    found = Account.objects.filter(user_id=user.pk).first()
    if found is not None and not can(actor, Permission.POINTS_MANAGE, found.area_path):
        raise NotFound("积分账户")
    if _is_self(actor, user, getattr(user, "resident_id", None)):
        errors["account"] = "不能给自己录入期初积分，请由其他工作人员录入"
    if errors:
        raise ValidationFailed(errors)
    account = found or account_for_user(user)
    if not can(actor, Permission.POINTS_MANAGE, account.area_path):
        raise NotFound("积分账户")
    try:
        with transaction.atomic():
            # One carry-over per account: a second (another staff member entering the same
            # paper balance, or a typo's fix) doubled it with points from nothing. A wrong
            # one is 冲正'd first, which frees the place for the right one.
            _lock_account(account.pk)
            earlier = _standing_opening(account)
            if earlier is not None:
                raise ValidationFailed(
                    {
                        "points": f"该账户已于 {timezone.localtime(earlier.created_at):%Y-%m-%d} 录入期初积分"
                        f"（交易 #{earlier.pk}），不能重复录入；有几本台账的请合计后一次录入，"
                        "录错的请先冲正该笔再重新录入"
                    }
                )
            txn = post(
                TxnKind.OPENING,
                memo or OPENING_MEMO,
                actor,
                account.area,
                [(issuer_for(account.area), -points), (account, points)],
                idempotency_key=key,
            )
            # The holder hears of it, as of its 冲正 (a login without a password reads it on
            # first signing in): carried over from paper, the points came in unannounced.
            from shequ.notifications.services import notify

            said = f"（{mask_free_text(memo)}）" if memo and memo != OPENING_MEMO else ""
            notify([user], f"您的期初积分 {points} 积分已记入积分账户{said}", "/points/", skip=actor)
            audit.record(actor, "points.opening", area_path=account.area_path, obj=txn, ip=ip)
    except IntegrityError:
        first = _keyed(actor, key, TxnKind.OPENING)  # the same request, committed first elsewhere
        if first is None:
            raise
        return _same_opening(first, user, points, memo), False
    return txn, True


def _same_opening(txn: Transaction, user: Any, points: int, memo: str) -> Transaction:
    """The 期初积分 a key made, if this request is the same one again: the person, the
    points and the note as stored (masked), since a repeat with another note was
    answered with the first one and the note dropped without a word."""
    entry = txn.entries.filter(amount__gt=0).select_related("account").first()
    stored = (entry.account.user_id, entry.amount, txn.memo) if entry is not None else None
    if stored != (user.pk, points, memo_as_stored((memo or "").strip() or OPENING_MEMO)):
        amount = f"{entry.amount} 分，" if entry is not None else ""
        raise reused(f"一笔期初积分（交易 #{txn.pk}：{amount}{txn.memo[:20]}）")
    return txn


def _standing_opening(account: Account) -> Transaction | None:
    """The account's 期初积分 that has not been reversed, if any."""
    return (
        Transaction.objects.filter(kind=TxnKind.OPENING, entries__account=account, reversed_by__isnull=True)
        .order_by("id")
        .first()
    )


def _lock_account(pk: int) -> int | None:
    """Inside a transaction: hold account ``pk`` against postings until the commit and
    return its cached balance. PostgreSQL: a row lock, which every posting also takes
    (``_move`` updates the row before its earnings); SQLite: the write transaction is
    IMMEDIATE, so it already runs alone."""
    rows = Account.objects.filter(pk=pk)
    if connection.vendor == "postgresql":
        rows = rows.select_for_update()
    return rows.values_list("balance", flat=True).first()


def reconcile() -> list[tuple[int, int, int]]:
    """Compare every cached balance with the sum of its entries and repair the cache, and
    rebuild the earned totals from the earning entries. Returns (account id, cached,
    true) for each balance that was wrong.

    One statement finds the suspects (balance and sum read from one snapshot); each is
    then re-summed and set while its row is held, so a posting that lands between the
    scan and the repair is counted, never undone."""
    entry_sum = Coalesce(
        Subquery(
            Entry.objects.filter(account=OuterRef("pk"))
            .order_by()
            .values("account")
            .annotate(total=Sum("amount"))
            .values("total")
        ),
        Value(0),
        output_field=BigIntegerField(),
    )
    suspects = list(
        Account.objects.annotate(true=entry_sum)
        .exclude(balance=F("true"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    wrong = []
    for pk in suspects:
        with transaction.atomic():
            cached = _lock_account(pk)
            if cached is None:
                continue
            true = int(Entry.objects.filter(account_id=pk).aggregate(n=Sum("amount"))["n"] or 0)
            if cached == true:
                continue
            Account.objects.filter(pk=pk).update(balance=true)
            audit.record(None, "points.reconcile", detail={"account": pk, "cached": cached, "true": true})
        wrong.append((pk, cached, true))
    for txn, total in unbalanced_transactions():
        audit.record(None, "points.unbalanced", detail={"transaction": txn, "sum": total})
    rebuild_earnings()
    sync_account_kinds()
    return wrong


def unbalanced_transactions() -> list[tuple[int, int]]:
    """(transaction id, sum) of every transaction whose entries do not sum to zero: a
    ledger error no cache repair can fix, to be reported and investigated."""
    return [
        (pk, int(total))
        for pk, total in Entry.objects.order_by()
        .values("transaction")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("transaction", "total")
    ]


def earnings_from_entries(account: int | None = None) -> dict[tuple[int, str], int]:
    """(account, period) → points earned, summed from the entries themselves."""
    tz = ZoneInfo(settings.TIME_ZONE)
    entries = Entry.objects.filter(earning=True).exclude(account_kind=AccountKind.ISSUER)
    if account is not None:
        entries = entries.filter(account_id=account)
    rows = (
        entries.annotate(y=ExtractYear("at", tzinfo=tz), q=ExtractQuarter("at", tzinfo=tz))
        .values("account", "y", "q")
        .annotate(total=Sum("amount"))
        .values_list("account", "y", "q", "total")
    )
    out: dict[tuple[int, str], int] = {}
    for acc, year, quarter, total in rows:
        out[(acc, f"{year}Q{quarter}")] = int(total)
        out[(acc, f"{year}")] = out.get((acc, f"{year}"), 0) + int(total)
    return out


def _earning_rows(account: int | None = None) -> dict[tuple[int, str], tuple[int, int]]:
    rows = EarningTotal.objects.all()
    if account is not None:
        rows = rows.filter(account_id=account)
    return {(a, p): (pk, e) for pk, a, p, e in rows.values_list("pk", "account", "period", "earned")}


def _differs(
    expected: dict[tuple[int, str], int], current: dict[tuple[int, str], tuple[int, int]]
) -> set[int]:
    """Accounts whose earned totals differ from the entries."""
    return {
        key[0]
        for key in set(expected) | set(current)
        if key not in current or current[key][1] != expected.get(key, 0)
    }


def rebuild_earnings() -> int:
    """Make the earned totals equal to the entries; how many rows were changed. The scan
    only finds the accounts that look wrong; each is rebuilt while its account row is
    held (see ``reconcile``), from entries and totals read under that hold."""
    suspects = sorted(_differs(earnings_from_entries(), _earning_rows()))
    changed = 0
    for pk in suspects:
        with transaction.atomic():
            if _lock_account(pk) is None:
                continue
            changed += _rebuild_account_earnings(pk)
    return changed


def _rebuild_account_earnings(pk: int) -> int:
    expected = earnings_from_entries(pk)
    current = _earning_rows(pk)
    acc = Account.objects.get(pk=pk)
    changed = 0
    new = []
    for key, earned in expected.items():
        found = current.pop(key, None)
        if found is None:
            new.append(
                EarningTotal(
                    account=acc, period=key[1], area_path=acc.area_path, account_kind=acc.kind, earned=earned
                )
            )
        elif found[1] != earned:
            EarningTotal.objects.filter(pk=found[0]).update(earned=earned)
            changed += 1
    EarningTotal.objects.bulk_create(new)
    stale = [row_pk for row_pk, earned in current.values() if earned != 0]
    EarningTotal.objects.filter(pk__in=stale).update(earned=0)
    return changed + len(new) + len(stale)


# ---------------------------------------------------------------- the store


@dataclass
class ItemInput:
    name: str
    price: int
    stock: int
    per_person_limit: int = 1
    area: str = ""  # a street or community code
    description: str = ""
    active: bool = True


# Of one item: far above any store's shelf, far below what the column can hold.
STOCK_MAX = 1_000_000
# An item's price: a typo of a few extra zeros is named, not listed (an opening balance
# is at most 100,000 too).
PRICE_MAX = 100_000
# A per-person limit above the most an item's stock can be would never bind.
LIMIT_MAX = STOCK_MAX


# The name is shown as typed on every resident's store page, order and notice; the 说明
# masks a number for them.
ITEM_NAME_NUMBER = "名称会显示给每位居民，请不要写电话或证件号；联系方式请写在说明里（对居民隐去号码）"


def _check_item(data: ItemInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (data.name or "").strip():
        errors["name"] = "请填写物品名称"
    elif len(data.name.strip()) > 50:
        errors["name"] = "名称不能超过50字"
    elif mask_free_text(data.name) != data.name:
        errors["name"] = ITEM_NAME_NUMBER
    if not 1 <= data.price <= PRICE_MAX:
        errors["price"] = f"所需积分须在 1 到 {PRICE_MAX} 之间"
    if not 0 <= data.stock <= STOCK_MAX:
        errors["stock"] = f"库存须在 0 到 {STOCK_MAX} 件之间"
    if not 1 <= data.per_person_limit <= LIMIT_MAX:
        errors["per_person_limit"] = f"每人限兑须在 1 到 {LIMIT_MAX} 件之间"
    too_long(errors, [("description", "说明", data.description, 200)])
    return errors


def create_item(actor: Any, data: ItemInput, *, ip: str = "") -> StoreItem:
    data = replace(data, name=one_line(data.name))
    errors = _check_item(data)
    area = Area.objects.filter(code=data.area, kind__in=["street", "community"]).first()
    if area is None:
        errors["area"] = "请选择街道或社区"
    elif not can(actor, Permission.STORE_MANAGE, area.path):
        errors["area"] = "只能在您管辖的街道或社区上架物品"
    if errors:
        raise ValidationFailed(errors)
    assert area is not None
    with _one_on_shelf(area, data.name.strip()), transaction.atomic():
        item = StoreItem.objects.create(
            name=data.name.strip(),
            description=data.description.strip()[:200],
            price=data.price,
            stock=data.stock,
            per_person_limit=data.per_person_limit,
            active=data.active,
            area=area,
            area_path=area.path,
        )
        audit.record(actor, "store.item_create", area_path=area.path, obj=item, ip=ip)
    return item


@contextmanager
def _one_on_shelf(area: Any, name: str) -> Iterator[None]:
    """The store's shelf holds one item of a name (store_item_one_on_shelf): a second
    one listed (a double click on 上架, a rename, a relisting) is named, not a 500."""
    try:
        yield
    except IntegrityError as exc:
        if "store_item_one_on_shelf" not in str(exc) and "points_storeitem.area_id" not in str(exc):
            raise
        raise ValidationFailed({"name": f"{area.name}已有上架的“{name}”，请改名或先下架那一件"}) from None


def restock(actor: Any, item_id: int, add: int, *, ip: str = "", key: str = "") -> StoreItem:
    """入库: more of an item. Relative, so a concurrent redemption is never overwritten;
    and so a repeat (a double tap on 保存, a retried request) would add the delivery
    twice: with ``key`` (the row's form key, the API's Idempotency-Key) it moves the stock
    once, and the same key sent again answers with the item as it is."""
    key = checked_key(key)
    item = StoreItem.objects.visible_to(actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound("兑换物品")
    if key and _restocked_with(actor, item, key, add):
        return item
    errors = _stock_errors(item, add)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        rows = StoreItem.objects.filter(pk=item.pk, stock__gte=-add, stock__lte=STOCK_MAX - add).update(
            stock=F("stock") + add
        )
        if rows != 1:
            raise ValidationFailed({"add": f"库存刚刚变化：出库不能超过现有库存，入库后最多 {STOCK_MAX} 件"})
        # Read again behind the stock's write lock: a repeat racing the first finds it
        # here, and its own move is undone.
        repeated = bool(key) and _restocked_with(actor, item, key, add)
        if repeated:
            transaction.set_rollback(True)
        else:
            detail: dict[str, Any] = {"add": add, "key": key} if key else {"add": add}
            audit.record(actor, "store.restock", area_path=item.area_path, obj=item, detail=detail, ip=ip)
    item.refresh_from_db()
    return item


def _restocked_with(actor: Any, item: StoreItem, key: str, add: int) -> bool:
    """Whether ``actor`` already moved ``item``'s stock with ``key`` (its audit row keeps
    the key): by the same quantity, True; by another, the key is refused as spent."""
    from shequ.access.models import AuditEvent

    done = (
        AuditEvent.objects.filter(
            actor_id=actor.pk, event="store.restock", object_id=str(item.pk), detail__key=key
        )
        .values_list("detail", flat=True)
        .first()
    )
    if done is None:
        return False
    moved = int(done.get("add", 0))
    if moved != add:
        raise reused(f"{item.name}{'入库' if moved > 0 else '出库'} {abs(moved)} 件")
    return True


def _stock_errors(item: StoreItem, add: int) -> dict[str, str]:
    """Why ``add`` cannot move the item's stock as it stands, if it cannot."""
    if add == 0:
        return {"add": "入库数量不能为 0"}
    if add < -item.stock:
        return {"add": f"出库不能超过现有库存：现有 {item.stock} 件，入库数量最小为 -{item.stock}"}
    if add > STOCK_MAX - item.stock:
        return {"add": f"入库后库存最多 {STOCK_MAX} 件，现有 {item.stock} 件"}
    return {}


def set_item_active(actor: Any, item_id: int, active: bool, *, ip: str = "") -> StoreItem:
    item = StoreItem.objects.visible_to(actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound("兑换物品")
    with _one_on_shelf(item.area, item.name), transaction.atomic():
        # 上架 chosen for an item already on the shelf moves nothing and is not recorded
        # as a step in the audit log.
        if StoreItem.objects.filter(pk=item.pk).exclude(active=active).update(active=active):
            audit.record(
                actor,
                "store.item_active",
                area_path=item.area_path,
                obj=item,
                detail={"active": active},
                ip=ip,
            )
    item.active = active
    return item


@dataclass
class ItemTerms:
    """What may be corrected on a catalogue item; None leaves a field as it is. The
    price and the limit apply to orders placed from then on (an order keeps the
    points it cost; the limit counts the period's orders already placed)."""

    name: str | None = None
    description: str | None = None
    price: int | None = None
    per_person_limit: int | None = None


def set_item_terms(actor: Any, item_id: int, terms: ItemTerms, *, ip: str = "") -> StoreItem:
    """Correct an item's name, description, price or per-person limit (a wrong price
    otherwise meant taking the item off the shelf and listing it again)."""
    item = StoreItem.objects.visible_to(actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound("兑换物品")
    if terms.description is not None:
        # Shown masked (GET /store/items/): sent back as read, its numbers are kept as stored.
        terms.description = kept_if_echoed(terms.description, item.description, actor, None)
    errors, changes = _checked_terms(terms)
    if errors:
        raise ValidationFailed(errors)
    changes = {k: v for k, v in changes.items() if getattr(item, k) != v}
    if changes:
        with _one_on_shelf(item.area, changes.get("name", item.name)), transaction.atomic():
            StoreItem.objects.filter(pk=item.pk).update(**changes)
            audit.record(
                actor,
                "store.item_terms",
                area_path=item.area_path,
                obj=item,
                detail={k: [getattr(item, k), v] for k, v in changes.items()},
                ip=ip,
            )
        item.refresh_from_db()
    return item


def _checked_terms(terms: ItemTerms) -> tuple[dict[str, str], dict[str, Any]]:
    """Why any of ``terms`` cannot be (by field), and the values they set."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if terms.name is not None:
        name = one_line(terms.name)
        if not name:
            errors["name"] = "请填写物品名称"
        elif mask_free_text(name) != name:
            errors["name"] = ITEM_NAME_NUMBER
        too_long(errors, [("name", "名称", name, 50)])
        changes["name"] = name
    if terms.description is not None:
        too_long(errors, [("description", "说明", terms.description.strip(), 200)])
        changes["description"] = terms.description.strip()
    if terms.price is not None:
        if not 1 <= terms.price <= PRICE_MAX:
            errors["price"] = f"所需积分须在 1 到 {PRICE_MAX} 之间"
        changes["price"] = terms.price
    if terms.per_person_limit is not None:
        if not 1 <= terms.per_person_limit <= LIMIT_MAX:
            errors["per_person_limit"] = f"每人限兑须在 1 到 {LIMIT_MAX} 件之间"
        changes["per_person_limit"] = terms.per_person_limit
    return errors, changes


def adjust_item(
    actor: Any,
    item_id: int,
    *,
    add: int = 0,
    active: bool | None = None,
    terms: ItemTerms | None = None,
    ip: str = "",
    key: str = "",
) -> None:
    """One row of the catalogue saved at once: the stock moved by ``add`` (if not 0),
    the item put on or off the shelf (if ``active`` is given) and its price or limit
    corrected (``terms``), all or none. ``key``: the row's form key; the row sent again
    with it (a double tap) does not move the stock a second time."""
    key = checked_key(key)
    item = StoreItem.objects.visible_to(actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound("兑换物品")
    if add and key and _restocked_with(actor, item, key, add):
        add = 0  # moved by the first: the rest of the row is set again, as it was
    # Every field's refusal in one answer: checked one step at a time, a wrong stock was
    # named only once the price typed beside it had been corrected.
    errors = (_checked_terms(terms)[0] if terms is not None else {}) | (
        _stock_errors(item, add) if add else {}
    )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if terms is not None:
            set_item_terms(actor, item_id, terms, ip=ip)
        if active is not None:
            set_item_active(actor, item_id, active, ip=ip)
        if add:
            restock(actor, item_id, add, ip=ip, key=key)


# A window's dates: a quarter by default, a year at most (the per-person limit counts
# orders within one window), in years a calendar can hold.
WINDOW_YEARS = (2000, 2099)
WINDOW_MAX_DAYS = 366


def add_window(
    actor: Any, area_code: str, name: str, starts_on: date, ends_on: date, *, ip: str = ""
) -> RedemptionWindow:
    area = Area.objects.filter(code=area_code, kind__in=["street", "community"]).first()
    errors: dict[str, str] = {}
    if area is None or not can(actor, Permission.STORE_MANAGE, area.path):
        errors["area"] = "请选择您管辖的街道或社区"
    if not (name or "").strip():
        errors["name"] = "请填写兑换期名称，如“2026年第四季度”"
    elif mask_free_text(name) != name:  # shown as typed on every resident's store page
        errors["name"] = "兑换期名称会显示给每位居民，请不要写电话或证件号；只写期名，如“2026年第四季度”"
    too_long(errors, [("name", "兑换期名称", name, 50)])
    _window_dates(errors, starts_on, ends_on, timezone.localdate())
    if errors:
        raise ValidationFailed(errors)
    assert area is not None
    with transaction.atomic():
        _no_overlap(area.path, starts_on, ends_on)
        window = RedemptionWindow.objects.create(
            area=area, area_path=area.path, name=name.strip(), starts_on=starts_on, ends_on=ends_on
        )
        audit.record(actor, "store.window", area_path=area.path, obj=window, ip=ip)
    return window


def _window_dates(errors: dict[str, str], starts_on: date, ends_on: date, today: date) -> None:
    off_calendar = {
        field_: f"{label}须在 {WINDOW_YEARS[0]} 年到 {WINDOW_YEARS[1]} 年之间"
        for field_, label, day in (("starts_on", "开始日期", starts_on), ("ends_on", "结束日期", ends_on))
        if not WINDOW_YEARS[0] <= day.year <= WINDOW_YEARS[1]
    }
    errors.update(off_calendar)
    if not off_calendar and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    elif not off_calendar and ends_on < today:
        # A period over before it is set sells nothing and shuts the store from then on
        # (windows rule once one has begun): 2025 typed for 2026.
        errors["ends_on"] = (
            f"结束日期 {ends_on:%Y年%m月%d日} 已经过去：兑换期须在今天（{today:%Y年%m月%d日}）"
            "或以后结束，请检查年份是否填错"
        )
    elif not off_calendar and (ends_on - starts_on).days >= WINDOW_MAX_DAYS:
        errors["ends_on"] = f"一个兑换期最长 {WINDOW_MAX_DAYS} 天（默认按季度），长期开放请逐年设置"


def _no_overlap(path: str, starts_on: date, ends_on: date, *, other_than: int = 0) -> None:
    """Two windows open on one day for the same items would each count the per-person
    limit afresh: a window may not overlap one of its area, of the street above it or of
    a community below it."""
    clash = (
        RedemptionWindow.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
        .filter(Q(area_path__in=ancestors(path)) | Q(area_path__startswith=path))
        .exclude(pk=other_than)
        .order_by("starts_on")
        .first()
    )
    if clash is not None:
        raise ValidationFailed(
            {
                "starts_on": f"与已有兑换期“{clash.name}”（{clash.starts_on:%Y年%m月%d日}至"
                f"{clash.ends_on:%Y年%m月%d日}）重叠，请调整日期"
            }
        )


def _managed_window(actor: Any, window_id: int) -> RedemptionWindow:
    window = RedemptionWindow.objects.filter(pk=window_id).select_related("area").first()
    if window is None or not can(actor, Permission.STORE_MANAGE, window.area_path):
        raise NotFound("兑换期")
    return window


def set_window_dates(
    actor: Any, window_id: int, starts_on: date, ends_on: date, *, ip: str = ""
) -> RedemptionWindow:
    """Correct a window's dates (a typo that shut the store): one that has begun keeps its
    first day, as orders were counted from it."""
    window = _managed_window(actor, window_id)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if window.starts_on <= today and starts_on != window.starts_on:
        errors["starts_on"] = f"兑换期已于 {window.starts_on:%Y年%m月%d日} 开始，开始日期不能再改"
    _window_dates(errors, starts_on, ends_on, today)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        _no_overlap(window.area_path, starts_on, ends_on, other_than=window.pk)
        RedemptionWindow.objects.filter(pk=window.pk).update(starts_on=starts_on, ends_on=ends_on)
        audit.record(
            actor,
            "store.window_dates",
            area_path=window.area_path,
            obj=window,
            detail={
                "from": [str(window.starts_on), str(window.ends_on)],
                "to": [str(starts_on), str(ends_on)],
            },
            ip=ip,
        )
    window.refresh_from_db()
    return window


def remove_window(actor: Any, window_id: int, *, ip: str = "") -> None:
    """Remove a window set by mistake: before it begins, or once it has ended if nothing
    was ordered in it (one typed with last year's dates shut the store, and its start
    could not be moved nor its end brought a year on). One that is open, or that orders
    were counted in, stays: shorten an open one instead."""
    window = _managed_window(actor, window_id)
    today = timezone.localdate()
    if window.starts_on <= today <= window.ends_on:
        raise ValidationFailed({"window": "兑换期已经开始，不能删除；可以修改它的结束日期"})
    # An ended window takes no more orders, so what this finds cannot change meanwhile
    # (a scan: Order.window has no index, and a window is seldom removed).
    if window.ends_on < today and Order.objects.filter(window=f"w{window.pk}").exists():
        raise ValidationFailed(
            {"window": f"兑换期“{window.name}”期间已有兑换订单，是已经结束的兑换记录，不能删除"}
        )
    with transaction.atomic():
        RedemptionWindow.objects.filter(pk=window.pk).delete()
        audit.record(
            actor,
            "store.window_remove",
            area_path=window.area_path,
            detail={"name": window.name, "starts_on": str(window.starts_on), "ends_on": str(window.ends_on)},
            ip=ip,
        )


# (key, label, first day, last day, the day the per-person limit counts orders from)
Period = tuple[str, str, date, date, date]


def current_window(item: StoreItem, today: date | None = None) -> Period | None:
    """(key, label, first day, last day, limit counted from) of the redemption period open
    today for ``item``; None when the street or community has set windows and none is
    open. Without any configured window the period is the calendar quarter."""
    return current_windows([item], today)[item.pk]


def current_windows(items: list[StoreItem], today: date | None = None) -> dict[int, Period | None]:
    """``current_window`` of many items, reading the windows of all their areas at once."""
    today = today or timezone.localdate()
    paths = {path for item in items for path in ancestors(item.area_path)}
    windows = list(
        RedemptionWindow.objects.filter(area_path__in=paths)
        .order_by("-starts_on", "-id")
        .values_list("pk", "area_path", "name", "starts_on", "ends_on")
    )
    return {item.pk: _open_window(item.area_path, windows, today) for item in items}


def _quarter_of(day: date) -> tuple[int, date, date]:
    """The calendar quarter ``day`` lies in: (number, first day, last day)."""
    quarter = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * quarter - 2, 1)
    after = date(day.year + 1, 1, 1) if quarter == 4 else date(day.year, 3 * quarter + 1, 1)
    return quarter, first, after - timedelta(days=1)


def _open_window(item_path: str, windows: list[tuple[Any, ...]], today: date) -> Period | None:
    """The period open today for an item at ``item_path``, from ``windows`` — rows of (id,
    area_path, name, starts_on, ends_on), newest start first — that include its areas'."""
    mine = set(ancestors(item_path))
    own = [w for w in windows if w[1] in mine]
    # Windows rule from the quarter the first of them begins in; before it, as where none
    # is set, the calendar quarter is the period (setting next quarter's window in advance
    # does not shut the store for the rest of this one). In that quarter the store waits
    # for the window: open from the 1st as well, a person's limit counted twice.
    if not any(w[3] <= today for w in own):
        quarter, first, last = _quarter_of(today)
        if any(first <= w[3] <= last for w in own):
            return None
        return (f"{today.year}Q{quarter}", f"{today.year}年第{quarter}季度", first, last, first)
    open_now = next((w for w in own if w[3] <= today <= w[4]), None)
    if open_now is None:
        return None
    # The first window counts the limit from its quarter's 1st: that quarter sold under
    # the calendar quarter until the window was set, and a limit used then stays used.
    counted_from = _quarter_of(open_now[3])[1] if open_now[3] == min(w[3] for w in own) else open_now[3]
    return (f"w{open_now[0]}", open_now[2], open_now[3], open_now[4], counted_from)


def _period_bounds(period: Period) -> tuple[Any, Any]:
    """The instants the period's limit counts orders between (from the local midnight
    of the day it counts from up to, not including, the day after its last), in the
    form the database compares ``created_at`` with."""
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(period[4], time.min, tzinfo=tz)
    end = datetime.combine(period[3] + timedelta(days=1), time.min, tzinfo=tz)
    adapt = connection.ops.adapt_datetimefield_value
    return adapt(start), adapt(end)


@dataclass
class OrderInput:
    item: int
    quantity: int = 1
    idempotency_key: str = ""
    # The price per item the buyer was shown. If staff have changed it since, the order
    # is refused (409 ``price_changed``) rather than charged at a price nobody saw; None
    # (a client that does not send it) takes the item's current price.
    price: int | None = None


def redeem(actor: Any, data: OrderInput, *, ip: str = "") -> tuple[Order, bool]:
    """积分兑换: in one transaction, take the stock and the points or take neither.
    Returns (order, created); a repeated Idempotency-Key returns the first order.

    The key is looked up only when the request fails: a repeat of a placed order fails
    on the unique (user, key) index, or earlier on the per-person limit or the balance
    (the first order has taken them), or on a check that changed since (the item taken
    off the shelf, the window closed); each of these returns the first order."""
    key = checked_key(data.idempotency_key)
    if data.price is not None and not 1 <= data.price <= PRICE_MAX:
        # No item was ever listed at it: a client's error, not a price staff changed.
        raise ValidationFailed(
            {
                "price": f"兑换价 price 须是下单时看到的每件所需积分（1 到 {PRICE_MAX} 之间），"
                f"不能是 {data.price}"
            }
        )
    try:
        return _redeem(actor, data, key, ip), True
    except (DomainError, IntegrityError):
        if key:
            existing = Order.objects.filter(user_id=actor.pk, idempotency_key=key).first()
            if existing is not None:
                if (existing.item_id, existing.quantity) != (data.item, data.quantity):
                    raise reused(f"订单 #{existing.pk}（{existing.item.name}×{existing.quantity}）") from None
                return existing, False
        raise


FULFIL_LINK = "/points/fulfil/"
NEW_ORDERS = "有新的积分兑换订单待备货，请到“兑换订单处理”查看"


def send_order_notices() -> int:
    """The store's staff hear that orders wait to be packed: where an order waits (已下单),
    each of the nearest store.manage holders of its store who has not heard of it (no
    unread notice, and none sent or read since the newest order there came) is told, linking the
    fulfilment page, which reads it. Sent by ``shequ periodic`` (job ``orders``, every 10
    minutes), not by the redemption: it stays a few statements, however many staff there
    are. Returns how many notices it sent."""
    from django.db.models import Count, Max

    from shequ.access.holders import holders
    from shequ.notifications.models import Notification
    from shequ.notifications.services import notify

    waiting = (
        Order.objects.filter(status=OrderStatus.PLACED)
        .values("area_path")
        .annotate(newest=Max("created_at"), buyers=Count("user_id", distinct=True), buyer=Max("user_id"))
    )
    sent = 0
    for row in waiting:
        staff = holders(Permission.STORE_MANAGE, row["area_path"])
        if row["buyers"] == 1:  # staff who bought from their own store are not told of it
            staff = [u for u in staff if u.pk != row["buyer"]]
        heard = Notification.objects.filter(user_id__in=[u.pk for u in staff], link=FULFIL_LINK).filter(
            # Not read yet, or told or read (the page opened, listing it) since the newest came.
            Q(read_at__isnull=True) | Q(created_at__gte=row["newest"]) | Q(read_at__gte=row["newest"])
        )
        told = set(heard.values_list("user_id", flat=True))
        sent += notify([u for u in staff if u.pk not in told], NEW_ORDERS, FULFIL_LINK)
    return sent


# The redemption's hand-written SQL (docs/decisions/0005-hot-path-sql.md). It writes what
# the ORM wrote before, statement for statement, with the same conditional UPDATEs and
# the same constraints and triggers behind them; it exists because the ORM's Python time
# per statement bounded the store's throughput. Valid on SQLite (3.35+, RETURNING) and
# PostgreSQL; "window" is quoted because it is a keyword in PostgreSQL.
_BUYER_AND_ITEM = (
    "SELECT a.id, a.kind, a.area_id, a.area_path, i.name, i.price, i.per_person_limit, i.area_path, "
    "(SELECT s.id FROM points_account s WHERE s.kind = 'issuer' AND s.area_id = a.area_id){} "
    "FROM points_account a, points_storeitem i WHERE a.user_id = %s AND i.id = %s AND i.active"
)
# PostgreSQL: with the order's id, taken from its sequence (see _PLACE_ALL_OR_FAIL_PG).
_READS = {
    "sqlite": _BUYER_AND_ITEM.format(""),
    "postgresql": _BUYER_AND_ITEM.format(", nextval(pg_get_serial_sequence('points_order', 'id'))"),
}
# The windows of the item's area and of its parent: windows are set on streets and
# communities only, and a street is a root, so these are all its ancestors' windows.
_WINDOWS = (
    "SELECT w.id, w.area_path, w.name, w.starts_on, w.ends_on FROM points_redemptionwindow w "
    "WHERE w.area_id IN (SELECT i.area_id FROM points_storeitem i WHERE i.id = %s "
    "UNION ALL SELECT ar.parent_id FROM points_storeitem i JOIN areas_area ar ON ar.id = i.area_id "
    "WHERE i.id = %s) ORDER BY w.starts_on DESC, w.id DESC"
)
# SQLite: the buyer's points, by a conditional UPDATE (no balance below zero); the
# IMMEDIATE transaction runs alone, so the limit below counts every committed order.
_TAKE_POINTS = "UPDATE points_account SET balance = balance - %s WHERE id = %s AND balance >= %s"
# The person's live orders of the item placed within the period's dates, whatever period
# key they were stored under (a window added mid-quarter must not reset the limit).
_TAKEN = (
    "SELECT COALESCE(SUM(quantity), 0) FROM points_order "
    "WHERE user_id = %s AND item_id = %s AND status <> 'cancelled' AND created_at >= %s AND created_at < %s"
)
# SQLite: the order, written only if the person's orders of this item in this period
# leave room for it (the per-person limit, counted in the same statement).
_PLACE_ORDER = (
    'INSERT INTO points_order (user_id, account_id, item_id, quantity, points, status, "window", courier, '
    "tracking_no, area_path, idempotency_key, created_at, updated_at) "
    "SELECT %s, %s, %s, %s, %s, 'placed', %s, '', '', %s, %s, %s, %s "
    f"WHERE ({_TAKEN}) + %s <= %s RETURNING id"  # noqa: S608 - constants only, no input
)
_TRANSACTION = (
    "INSERT INTO points_transaction "
    "(kind, memo, community_id, area_path, created_by_id, created_at, order_id) "
    "VALUES ('redeem', %s, %s, %s, %s, %s, %s) RETURNING id"
)
_ENTRIES = (
    "INSERT INTO points_entry "
    "(transaction_id, account_id, amount, kind, earning, area_path, account_kind, at) "
    "VALUES (%s, %s, %s, 'redeem', %s, %s, %s, %s), (%s, %s, %s, 'redeem', %s, %s, %s, %s)"
)
_PLACED_EVENT = (
    "INSERT INTO points_orderevent (order_id, action, from_status, to_status, actor_id, note, at) "
    "VALUES (%s, 'place', '', 'placed', %s, '', %s)"
)
# The rows every buyer shares, last: the stock (SQLite: a conditional UPDATE that cannot
# go below zero) and the issuer's balance; then the audit row (its chain is shared by
# every audited write). Locks: person, item, issuer, audit chain — the order post() and
# transition_order() take them in too.
_TAKE_STOCK = "UPDATE points_storeitem SET stock = stock - %s WHERE id = %s AND active AND stock >= %s"
_PAY_ISSUER = "UPDATE points_account SET balance = balance + %s WHERE id = %s"

# PostgreSQL: the redemption's writes are one batch, one round trip (decision 0007). Python
# cannot look at a row count before the batch ends, so no statement in it is conditional:
# each check is a constraint the statement violates when the check fails, and the error
# aborts the rest of the batch (and the transaction, or the savepoint inside a caller's).
# Short of points drives a person's balance below zero (account_balance_not_negative);
# over the limit writes an order of quantity 0 (order_quantity_positive); sold out or
# withdrawn drives the stock below zero (store_item_stock_not_negative). The order's id
# is taken from its sequence with the reads, so the batch needs nothing back mid-way.
_TAKE_POINTS_OR_FAIL = "UPDATE points_account SET balance = balance - %s WHERE id = %s"
# The order, its ledger transaction, the two entries and the timeline row in one statement
# (data-modifying CTEs). The limit is counted in it, after the buyer's row lock above: one
# person's orders queue there, so each counts the previous one.
_PLACE_ALL_OR_FAIL_PG = (
    "WITH o AS (INSERT INTO points_order (id, user_id, account_id, item_id, quantity, points, status, "  # noqa: S608
    '"window", courier, tracking_no, area_path, idempotency_key, created_at, updated_at) '
    f"VALUES (%s, %s, %s, %s, CASE WHEN ({_TAKEN}) + %s <= %s THEN %s ELSE 0 END, %s, 'placed', %s, "
    "'', '', %s, %s, %s, %s) RETURNING id), "
    "t AS (INSERT INTO points_transaction (kind, memo, community_id, area_path, created_by_id, created_at, "
    "order_id) SELECT 'redeem', %s, %s, %s, %s, %s, o.id FROM o RETURNING id), "
    "e AS (INSERT INTO points_entry "
    "(transaction_id, account_id, amount, kind, earning, area_path, account_kind, at) "
    "SELECT t.id, v.account_id, v.amount, 'redeem', false, %s, v.account_kind, %s "
    "FROM t, (VALUES (%s, %s, %s), (%s, %s, %s)) AS v (account_id, amount, account_kind)), "
    "ev AS (INSERT INTO points_orderevent (order_id, action, from_status, to_status, actor_id, note, at) "
    "SELECT o.id, 'place', '', 'placed', %s, '', %s FROM o) "
    "SELECT o.id FROM o"
)
_TAKE_STOCK_OR_FAIL = (
    "UPDATE points_storeitem SET stock = CASE WHEN active THEN stock - %s ELSE -1 END WHERE id = %s"
)
_POINTS_CHECK = "account_balance_not_negative"
_LIMIT_CHECK = "order_quantity_positive"
_STOCK_CHECK = "store_item_stock_not_negative"


def _redeem(actor: Any, data: OrderInput, key: str, ip: str) -> Order:
    if data.quantity < 1 or data.quantity > 99:
        raise ValidationFailed({"quantity": "数量必须在 1 到 99 之间"})
    quantity = data.quantity
    reads: list[rawsql.Statement] = [
        (_READS[connection.vendor], [actor.pk, data.item]),
        (_WINDOWS, [data.item, data.item]),
    ]
    (_, found), (_, windows) = rawsql.run(reads)
    if not found:
        account_for_user(actor)  # the buyer's account, opened on first use (or refused)
        (_, found), (_, windows) = rawsql.run(reads)
    if not found:
        _withdrawn(actor, data.item)
        raise NotFound("兑换物品")
    buyer = found[0][:9]
    account_id, account_kind, community_id, account_path, name, price, limit, item_path, issuer_id = buyer
    # The catalogue of the buyer's own street or community only.
    if not account_path.startswith(item_path):
        raise NotFound("兑换物品")
    if data.price is not None and data.price != price:
        raise Refused(
            "price_changed",
            "price",
            f"{name}的兑换价已从每件 {data.price} 分改为 {price} 分，这次没有下单；请看过新价格后再兑换",
        )
    window = _open_window(item_path, windows, timezone.localdate())
    if window is None:
        raise Refused("window_closed", "item", "现在不在兑换期内，请在公布的兑换期内兑换")
    if issuer_id is None:
        issuer_id = issuer_for(Area.objects.get(pk=community_id)).pk
    cost = price * quantity
    lines = [(account_id, -cost), (issuer_id, cost)]
    _check_amounts(lines)  # the double-entry rule, as for every posting
    now = timezone.now()
    order = Order(
        pk=found[0][9] if connection.vendor == "postgresql" else None,
        user=actor,
        account_id=account_id,
        item_id=data.item,
        quantity=quantity,
        points=cost,
        status=OrderStatus.PLACED,
        window=window[0],
        area_path=account_path,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
    )
    since, until = _period_bounds(window)
    place = _PostgresPlace if connection.vendor == "postgresql" else _SqlitePlace
    try:
        place(order, buyer, issuer_id, since, until, ip).run()
    except _Refusal as refusal:
        if refusal.check == _STOCK_CHECK:
            shelf = StoreItem.objects.filter(pk=data.item).values_list("stock", "active").first()
            left, active = shelf or (0, False)
            if not active:
                # Taken off the shelf after the reads above (the stock's check is also the
                # shelf's): not a shortage the buyer can see is not there.
                raise Refused("withdrawn", "item", f"{name}已下架，不能兑换") from None
            raise Refused("out_of_stock", "quantity", f"库存不足：{name}剩余 {left} 件") from None
        # Over the limit is named before short of points (a person may be both).
        taken = _taken(actor.pk, data.item, since, until)
        if refusal.check == _LIMIT_CHECK or taken + quantity > limit:
            raise _over_limit(name, limit, taken) from None
        raise _insufficient(Account(pk=account_id), cost) from None
    return order


def _withdrawn(actor: Any, item_id: int) -> None:
    """An item of the buyer's own catalogue taken off the shelf (before the reads, while
    the store page was open) is refused as 已下架 (409 ``withdrawn``), as one taken off
    during the order is; a missing item or another place's stays the same 404."""
    item = StoreItem.objects.filter(pk=item_id, active=False).values_list("name", "area_path").first()
    account_path = Account.objects.filter(user_id=actor.pk).values_list("area_path", flat=True).first()
    if item is not None and account_path is not None and account_path.startswith(item[1]):
        raise Refused("withdrawn", "item", f"{item[0]}已下架，不能兑换")


class _Refusal(Exception):
    """A check of the redemption's failed (its constraint's name): rolled back, to refuse."""

    def __init__(self, check: str) -> None:
        self.check = check


def _taken(user_id: int, item_id: int, since: Any, until: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_TAKEN, [user_id, item_id, since, until])
        return int(cursor.fetchone()[0])


@dataclass
class _Place:
    """The transaction of ``redeem``, from the buyer's points to the audit row, for an
    ``order`` whose checks outside the transaction have passed."""

    order: Order
    found: tuple[Any, ...]
    issuer_id: int
    since: Any
    until: Any
    ip: str

    def audit_row(self) -> AuditEvent:
        order = self.order
        order._state.adding = False
        return audit.build(order.user, "store.redeem", area_path=order.area_path, obj=order, ip=self.ip)

    def memo(self) -> str:
        return f"兑换 {self.found[4]}×{self.order.quantity}"[:200]


class _PostgresPlace(_Place):
    """PostgreSQL: the writes in one batch, each check a constraint (decision 0007)."""

    def run(self) -> None:
        o = self.order
        account_id, account_kind, community_id, account_path, _, _, limit, _, _ = self.found
        at = connection.ops.adapt_datetimefield_value(o.created_at)
        row = self.audit_row()
        place = [o.pk, o.user_id, account_id, o.item_id, o.user_id, o.item_id, self.since, self.until]
        place += [o.quantity, limit, o.quantity, o.points, o.window, account_path, o.idempotency_key, at, at]
        place += [self.memo(), community_id, account_path, o.user_id, at, account_path, at]
        place += [account_id, -o.points, account_kind, self.issuer_id, o.points, AccountKind.ISSUER.value]
        place += [o.user_id, at]
        statements = [
            (_TAKE_POINTS_OR_FAIL, [o.points, account_id]),
            (_PLACE_ALL_OR_FAIL_PG, place),
            (_TAKE_STOCK_OR_FAIL, [o.quantity, o.item_id]),
            (_PAY_ISSUER, [o.points, self.issuer_id]),
            *audit.append_statements(row),
        ]
        # Outside a caller's transaction the batch is the transaction: PostgreSQL runs the
        # statements up to the pipeline's sync as one, committed when the last succeeds,
        # so neither BEGIN nor COMMIT costs a round trip and the rows every buyer shares
        # are released by the server as soon as the audit row is written. Inside a
        # caller's, a savepoint keeps a refusal from aborting the caller's transaction.
        own = not connection.in_atomic_block and rawsql.batched()
        try:
            with nullcontext() if own else transaction.atomic():
                results = rawsql.run(statements)
        except IntegrityError as exc:
            check = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
            if check in (_POINTS_CHECK, _LIMIT_CHECK, _STOCK_CHECK):
                raise _Refusal(check) from exc
            raise
        if results[3][0] != 1:  # pragma: no cover - the issuer row is never deleted
            raise RuntimeError("issuer account missing")
        audit.appended(row, results[-1])


class _SqlitePlace(_Place):
    """SQLite, in-process: one statement at a time in the IMMEDIATE transaction, each
    check a conditional statement whose row count decides."""

    def run(self) -> None:
        o = self.order
        account_id, account_kind, community_id, account_path, _, _, limit, _, _ = self.found
        at = connection.ops.adapt_datetimefield_value(o.created_at)
        place = [o.user_id, account_id, o.item_id, o.quantity, o.points, o.window, account_path]
        place += [o.idempotency_key, at, at, o.user_id, o.item_id, self.since, self.until, o.quantity, limit]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_TAKE_POINTS, [o.points, account_id, o.points])
            if cursor.rowcount != 1:
                raise _Refusal(_POINTS_CHECK)
            cursor.execute(_PLACE_ORDER, place)
            placed = cursor.fetchall()
            if not placed:
                raise _Refusal(_LIMIT_CHECK)
            o.pk = placed[0][0]
            cursor.execute(_TRANSACTION, [self.memo(), community_id, account_path, o.user_id, at, o.pk])
            txn_id = cursor.fetchone()[0]
            cursor.execute(
                _ENTRIES,
                [txn_id, account_id, -o.points, False, account_path, account_kind, at]
                + [txn_id, self.issuer_id, o.points, False, account_path, AccountKind.ISSUER.value, at],
            )
            cursor.execute(_PLACED_EVENT, [o.pk, o.user_id, at])
            row = self.audit_row()
            shared = [
                (_TAKE_STOCK, [o.quantity, o.item_id, o.quantity]),
                (_PAY_ISSUER, [o.points, self.issuer_id]),
            ]
            results = rawsql.run(shared + audit.append_statements(row))
            if results[0][0] != 1:
                raise _Refusal(_STOCK_CHECK)
            if results[1][0] != 1:  # pragma: no cover - the issuer row is never deleted
                raise RuntimeError("issuer account missing")
            audit.appended(row, results[-1])


def _over_limit(name: str, limit: int, taken: int) -> Refused:
    # How many are still allowed: "限兑 2 件，已兑 0 件" alone read as room for the 3 asked.
    left = limit - taken
    rest = f"这次最多还能兑 {left} 件" if left > 0 else "本期不能再兑换这件物品"
    return Refused(
        "over_limit", "quantity", f"超出限兑：{name}每人每期限兑 {limit} 件，您本期已兑 {taken} 件，{rest}"
    )


# A courier's waybill number: letters, digits and dashes (SF1234567890, 9800012345678).
TRACKING_NO = re.compile(r"[A-Za-z0-9-]{5,40}")


def waybill_number(typed: str | None) -> str:
    """A waybill number as typed: full-width letters and digits folded, and the spaces
    of a number copied from the label as printed ("SF 1234 5678 9012") dropped."""
    return "".join(unicodedata.normalize("NFKC", typed or "").split())


@dataclass
class OrderTransitionInput:
    action: str
    courier: str = ""
    tracking_no: str = ""
    note: str = ""  # a cancel's reason only (refused with any other step)
    # 更正快递单号: the newest step on the page or response acted from (its id). A waybill
    # corrected by a colleague since is not replaced unseen.
    seen: int | None = None


def may_move(actor: Any, order: Order, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on ``order`` (its table's permissions; the
    buyer counts as OWNER). The service checks it; pages and the API offer only these."""
    for perm in TRANSITIONS[action].permissions:
        if perm == OWNER and order.user_id == actor.pk:
            return True
        if perm != OWNER and can(actor, perm, order.area_path):
            return True
    return False


def transition_order(actor: Any, order_id: int, data: OrderTransitionInput, *, ip: str = "") -> Order:
    from shequ.points.selectors import BUYER, get_order

    order = get_order(actor, order_id)
    rule = TRANSITIONS.get(data.action)
    if rule is None:
        raise ValidationFailed({"action": f"未知的操作“{data.action}”"})
    if not may_move(actor, order, data.action):
        raise ValidationFailed({"action": f"您无权对该订单进行“{rule.label}”"})
    if order.status not in rule.sources:
        if _done_already(actor, order, data):
            return order
        raise ValidationFailed(
            {"action": f"订单当前为“{STATUS_LABELS[order.status]}”，不能进行“{rule.label}”"}
        )
    errors: dict[str, str] = {}
    note = (data.note or "").strip()
    if data.action == "cancel" and order.user_id != actor.pk and not note:
        # Staff cancelling someone's order owe them the reason, which they are shown.
        errors["note"] = "请填写取消原因（将告知兑换人）"
    elif note and data.action != "cancel":
        # The reason is a cancel's: sent with another step it was a cancel meant and
        # the order packed instead ("备货：库存不足，取消"), the buyer told 已备货.
        errors["note"] = (
            f"取消原因只在取消订单时填写，“{rule.label}”不带原因：要取消请点“取消订单”，"
            f"要{rule.label}请清空取消原因"
        )
    too_long(errors, [("note", "原因", note, 200)])
    waybill = data.action in ("ship", "correct_shipping")
    if waybill:
        # As typed with a Chinese input method (full-width letters and digits read as such).
        data.courier = unicodedata.normalize("NFKC", data.courier or "").strip()
        data.tracking_no = waybill_number(data.tracking_no)
        if not data.courier:
            errors["courier"] = "发货需要填写快递公司"
        elif len(data.courier) < 2:
            errors["courier"] = "请填写快递公司的名称，如“中国邮政”“顺丰速运”"
        if not data.tracking_no:
            errors["tracking_no"] = "发货需要填写快递单号"
        elif not TRACKING_NO.fullmatch(data.tracking_no):
            errors["tracking_no"] = (
                f"快递单号应为 5 到 40 位字母、数字或连字符，您填写的是“{data.tracking_no[:40]}”"
            )
        too_long(errors, [("courier", "快递公司", data.courier, 30)])
    unchanged = (data.courier, data.tracking_no) == (order.courier, order.tracking_no)
    if data.action == "correct_shipping" and not errors and unchanged:
        if _done_already(actor, order, data):
            return order  # the same correction sent twice
        errors["tracking_no"] = "快递公司和快递单号与现在的相同，没有需要更正的内容"
    if errors:
        raise ValidationFailed(errors)
    if data.action == "correct_shipping" and data.seen is not None:
        _corrected_since(actor, order, data.seen)
    if data.action == "correct_shipping":
        # Kept on the timeline, for the buyer and staff: the number first sent and the right one.
        note = f"由“{order.courier} {order.tracking_no}”更正为“{data.courier} {data.tracking_no}”"
    now = timezone.now()
    with transaction.atomic():
        # The buyer's account first, then the order (the one lock order); the status
        # moves only from the state we checked, so two staff cannot both cancel.
        list(Account.objects.select_for_update().filter(pk=order.account_id).values_list("pk"))
        updates: dict[str, Any] = {"status": rule.target or order.status, "updated_at": now}
        if waybill:
            updates |= {"courier": data.courier.strip()[:30], "tracking_no": data.tracking_no.strip()[:40]}
        # A correction, from the waybill it was checked against: two staff correcting at
        # once do not both replace the same number.
        same = {"courier": order.courier, "tracking_no": order.tracking_no} if waybill else {}
        if Order.objects.filter(pk=order.pk, status=order.status, **same).update(**updates) != 1:
            moved = Order.objects.select_related(*BUYER).get(pk=order.pk)
            if _done_already(actor, moved, data):
                return moved  # the same step sent twice (a double tap): done once
            raise ValidationFailed({"action": "订单状态刚刚被他人改变，请刷新后再试"})
        if rule.target == OrderStatus.CANCELLED:
            StoreItem.objects.filter(pk=order.item_id).update(stock=F("stock") + order.quantity)
            account = Account.objects.get(pk=order.account_id)
            post(
                TxnKind.REFUND,
                # What was given back (the kind already says 取消兑换退回): 洗衣液×1（订单 #12）.
                f"{order.item.name}×{order.quantity}（订单 #{order.pk}）"[:200],
                actor,
                account.area,
                [(issuer_for(account.area), -order.points), (account, order.points)],
                order=order,
            )
        OrderEvent.objects.create(
            order=order,
            action=data.action,
            from_status=order.status,
            to_status=rule.target or order.status,
            actor=actor,
            note=note[:200],
            at=now,
        )
        _tell_buyer(actor, order, data, note)
        corrected = (
            {"from": [order.courier, order.tracking_no], "to": [data.courier, data.tracking_no]}
            if data.action == "correct_shipping"
            else None
        )
        audit.record(
            actor, f"store.{data.action}", area_path=order.area_path, obj=order, detail=corrected, ip=ip
        )
    order.refresh_from_db()
    return order


def _corrected_since(actor: Any, order: Order, seen: int) -> None:
    """Refuse a correction made from a page older than the order's last step: two staff
    correcting one waybill, the second replaced the first's number without a word."""
    last = order.events.filter(pk__gt=seen).select_related("actor").order_by("-id").first()
    if last is None:
        return
    who = "您本人" if last.actor_id == actor.pk else str(last.actor)
    step = TRANSITIONS[last.action].label if last.action in TRANSITIONS else "更新"
    raise Conflict(
        f"您打开页面之后，这个订单已由{who}于{timezone.localtime(last.at):%m月%d日%H:%M}进行了“{step}”，"
        f"快递现在为“{order.courier} {order.tracking_no}”。请核对现在的单号，仍有误再更正"
    )


def _done_already(actor: Any, order: Order, data: OrderTransitionInput) -> bool:
    """Whether ``data`` is a step ``actor`` has just taken on ``order`` (a double tap on a
    slow phone, a retried request): its last step is this one, by them, with the same
    waybill for 发货. The order is then answered as it is, with no second event or
    notice, instead of "不能进行" or "刚刚被他人改变" for their own step."""
    last = order.events.order_by("-at", "-id").first()
    if last is None or (last.action, last.actor_id) != (data.action, actor.pk):
        return False
    if order.status != (TRANSITIONS[data.action].target or order.status):
        return False
    if data.action in ("ship", "correct_shipping"):
        courier = unicodedata.normalize("NFKC", data.courier or "").strip()
        return (courier, waybill_number(data.tracking_no)) == (order.courier, order.tracking_no)
    return True


# The steps staff may take on many orders at once from the fulfilment page: those that
# need nothing typed per order (发货 needs each parcel's waybill number, 取消 its reason).
BULK_ACTIONS = ("pack", "deliver")
BULK_MAX = 100


def transition_orders(
    actor: Any, order_ids: list[int], action: str, *, ip: str = ""
) -> tuple[list[int], dict[int, str]]:
    """备货 or 确认送达 for many orders, each as ``transition_order`` would (its own checks,
    transaction, timeline row, notice and audit row), so one refused order leaves the
    others done. Returns (the orders moved, {order: why not} for the others)."""
    if action not in BULK_ACTIONS:
        labels = "、".join(f"“{TRANSITIONS[a].label}”" for a in BULK_ACTIONS)
        raise ValidationFailed({"action": f"批量处理只能{labels}，发货和取消请逐单处理"})
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        raise ValidationFailed({"orders": "请勾选要处理的订单"})
    if len(ids) > BULK_MAX:
        raise ValidationFailed({"orders": f"一次最多处理 {BULK_MAX} 件订单，您勾选了 {len(ids)} 件"})
    done: list[int] = []
    refused: dict[int, str] = {}
    for pk in ids:
        try:
            transition_order(actor, pk, OrderTransitionInput(action=action), ip=ip)
        except ValidationFailed as exc:
            refused[pk] = "；".join(exc.fields.values())
        except NotFound:
            refused[pk] = "订单不存在或不在您的管辖范围内"
        else:
            done.append(pk)
    return done, refused


def _tell_buyer(actor: Any, order: Order, data: OrderTransitionInput, note: str) -> None:
    """The buyer hears of each step of their order (not of the steps they took themselves)."""
    from shequ.notifications.services import notify

    what = f"您兑换的“{order.item.name}×{order.quantity}”（订单 #{order.pk}）"
    text = {
        "pack": f"{what}已备货",
        "ship": f"{what}已发货：{data.courier.strip()} 快递单号 {data.tracking_no.strip()}",
        "correct_shipping": f"{what}的快递单号有误，已更正为：{data.courier} 快递单号 {data.tracking_no}"
        f"（原为 {order.courier} {order.tracking_no}，请以更正后的为准）",
        "deliver": f"{what}已送达",
        "cancel": f"{what}已取消，{order.points} 积分已退回"
        + (f"。原因：{mask_free_text(note)}" if note else ""),
    }.get(data.action)
    if text:
        notify([order.user_id], text, f"/points/orders/{order.pk}/", skip=actor)
    if data.action == "cancel" and order.status == OrderStatus.PACKED:
        # A parcel already packed with the buyer's name on it was cancelled (by the buyer,
        # or by a colleague at the buyer's request): whoever packed it puts the goods back
        # (the stock is returned), rather than learning of it from a refused 发货. Told
        # while they still manage the store there, so the link opens; not when they
        # cancelled it themselves.
        who = "兑换人" if actor.pk == order.user_id else f"{actor}"
        packed = order.events.filter(action="pack").select_related("actor").order_by("-id").first()
        packer = packed.actor if packed is not None else None
        if packer is not None and packer.is_active and can(packer, Permission.STORE_MANAGE, order.area_path):
            notify(
                [packer],
                f"“{order.item.name}×{order.quantity}”（订单 #{order.pk}）已备货，{who}已取消订单，"
                "请将备好的物品放回库存",
                f"/points/orders/{order.pk}/",
                skip=actor,
            )
