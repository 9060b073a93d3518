"""The redemption store: one transaction takes stock and points or neither; the refusal
names what was short; cancelled orders give both back; orders move through their table."""

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from shequ.core.errors import NotFound, ValidationFailed
from shequ.points import selectors, services, triggers
from shequ.points.models import Account, Entry, OrderStatus, StoreItem, Transaction
from shequ.points.services import Refused
from shequ.points.tests.helpers import fund, item, move, party_member, redeem, window_set_back_then
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def balance(user):
    return Account.objects.get(user=user).balance


def test_redeem_takes_stock_and_points_in_one_go(world):
    fund(world, world.resident_wang, 100)
    rice = item(world, stock=5)
    order = redeem(world.resident_wang, rice, 2)
    assert (order.status, order.points) == (OrderStatus.PLACED, 60)
    rice.refresh_from_db()
    assert rice.stock == 3 and balance(world.resident_wang) == 40
    txn = Transaction.objects.get(order=order, kind="redeem")
    assert sorted(e.amount for e in txn.entries.all()) == [-60, 60]


def test_refusals_name_what_is_short(world):
    fund(world, world.resident_wang, 100)
    rice = item(world, stock=1, limit=5)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice, 2)
    assert exc.value.code == "out_of_stock" and "库存不足" in exc.value.fields["quantity"]
    oil = item(world, name="菜籽油", price=150, stock=10)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, oil)
    assert exc.value.code == "insufficient_points" and exc.value.fields["points"].startswith("积分不足")
    # Nothing was taken by the refused attempts.
    assert StoreItem.objects.get(pk=oil.pk).stock == 10 and balance(world.resident_wang) == 100
    assert StoreItem.objects.get(pk=rice.pk).stock == 1
    paper = item(world, name="抽纸", price=5, stock=10, limit=1)
    redeem(world.resident_wang, paper)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, paper)
    assert exc.value.code == "over_limit" and "超出限兑" in exc.value.fields["quantity"]


def test_a_repeated_idempotency_key_makes_one_order(world):
    fund(world, world.resident_wang, 100)
    rice = item(world)
    first = redeem(world.resident_wang, rice, key="k-1")
    again = redeem(world.resident_wang, rice, key="k-1")
    assert first.pk == again.pk and balance(world.resident_wang) == 70


def test_cancel_refunds_and_returns_stock_once(world):
    fund(world, world.resident_wang, 100)
    rice = item(world, stock=5)
    order = redeem(world.resident_wang, rice, 2)
    move(world.secretary_zhang, order, "pack")
    order = move(world.resident_wang, order, "cancel")
    assert order.status == OrderStatus.CANCELLED
    rice.refresh_from_db()
    assert rice.stock == 5 and balance(world.resident_wang) == 100
    assert Transaction.objects.filter(order=order, kind="refund").count() == 1
    # 我的积分 read "取消兑换退回 · 取消兑换退回 #12": the memo says what came back.
    refund = Transaction.objects.get(order=order, kind="refund")
    assert refund.memo == f"{rice.name}×2（订单 #{order.pk}）"
    mine = client_for(world.resident_wang).get("/points/").content.decode()
    assert f"取消兑换退回 · {rice.name}×2" in mine
    with pytest.raises(ValidationFailed, match="不能进行“取消订单”"):
        move(world.secretary_zhang, order, "cancel")


def test_order_travels_placed_packed_shipped_delivered(world):
    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    with pytest.raises(ValidationFailed, match="无权"):
        move(world.resident_wang, order, "pack")
    move(world.secretary_zhang, order, "pack")
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "ship")
    assert set(exc.value.fields) == {"courier", "tracking_no"}
    order = move(world.secretary_zhang, order, "ship", courier="中国邮政", tracking_no="9876543210")
    with pytest.raises(ValidationFailed, match="不能进行“取消订单”"):
        move(world.resident_wang, order, "cancel")
    order = move(world.resident_wang, order, "deliver")
    assert order.status == OrderStatus.DELIVERED
    assert list(order.events.values_list("action", flat=True)) == ["place", "pack", "ship", "deliver"]


def test_outsiders_see_neither_the_order_nor_the_item(world):
    fund(world, world.resident_wang, 100)
    rice = item(world)
    order = redeem(world.resident_wang, rice)
    with pytest.raises(NotFound):
        move(world.outsider_zhao, order, "pack")
    with pytest.raises(NotFound):
        redeem(world.users["resident@B1-1-h1"], rice)


def test_closed_window_refuses(world):
    fund(world, world.resident_wang, 100)
    rice = item(world)
    today = timezone.localdate()
    window_set_back_then(
        world.secretary_zhang,
        world.areas["A1"].code,
        "上季度",
        today - timedelta(days=40),
        today - timedelta(days=10),
    )
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice)
    assert exc.value.code == "window_closed"
    services.add_window(
        world.secretary_zhang, world.areas["A1"].code, "本期", today, today + timedelta(days=5)
    )
    assert redeem(world.resident_wang, rice).window.startswith("w")


def test_reversal_undoes_an_award_once_and_never_overdraws(world):
    txn = fund(world, world.resident_wang, 40)
    reversal = services.reverse(world.secretary_zhang, txn.pk, "录入错误")
    assert balance(world.resident_wang) == 0
    assert sorted(e.amount for e in reversal.entries.all()) == [-40, 40]
    with pytest.raises(ValidationFailed, match="已经冲正过"):
        services.reverse(world.secretary_zhang, txn.pk, "再来一次")
    spent = fund(world, world.resident_wang, 30)
    redeem(world.resident_wang, item(world, price=30))
    with pytest.raises(ValidationFailed, match="余额只有 0 分，不够扣回 30 分"):
        services.reverse(world.secretary_zhang, spent.pk, "录入错误")
    with pytest.raises(NotFound):
        services.reverse(world.outsider_zhao, spent.pk, "外社区")


def test_service_points_for_party_members(world):
    from shequ.access.services import add_user

    member_resident = world.residents["A1-1-h2-r2"]
    assert member_resident.party_member_kind
    member = add_user(
        "party-member-a1",
        "pass-2026-xyz",
        role="resident",
        area_code=world.households["A1-1-h2"].code,
        resident=member_resident,
        check_password=False,
    )
    record = services.record_service(
        world.secretary_zhang,
        services.ServiceInput(member=member.pk, kind="mediation", note="调解楼上漏水纠纷", points=8),
    )
    account = Account.objects.get(user=member)
    assert account.kind == "party_member" and account.balance == 8
    assert record.transaction.kind == "service"
    with pytest.raises(ValidationFailed) as exc:
        services.record_service(
            world.secretary_zhang,
            services.ServiceInput(member=world.resident_wang.pk, kind="errand", note="代办", points=5),
        )
    assert exc.value.fields == {"member": "请选择您管辖范围内的一名党员"}


def test_service_refusal_does_not_reveal_who_is_a_party_member(world):
    from shequ.access.services import add_user

    member = add_user(
        "party-member-a1",
        "pass-2026-xyz",
        role="resident",
        area_code=world.households["A1-1-h2"].code,
        resident=world.residents["A1-1-h2-r2"],
        check_password=False,
    )
    refusals = []
    for user in (member, world.resident_wang):  # a party member and not, both out of scope
        with pytest.raises(ValidationFailed) as exc:
            services.record_service(
                world.outsider_zhao,
                services.ServiceInput(member=user.pk, kind="errand", note="代办医保", points=5),
            )
        refusals.append(exc.value.fields)
    assert refusals[0] == refusals[1] == {"member": "请选择您管辖范围内的一名党员"}


def test_reconcile_repairs_a_wrong_cached_balance(world):
    from io import StringIO

    from django.core.management import call_command

    fund(world, world.resident_wang, 25)
    account = Account.objects.get(user=world.resident_wang)
    Account.objects.filter(pk=account.pk).update(balance=999)
    out = StringIO()
    call_command("points", "reconcile", stdout=out)
    assert f"账户 {account.pk}：缓存余额 999，分录合计 25，已修正" in out.getvalue()
    assert balance(world.resident_wang) == 25
    assert services.reconcile() == []


def post_after_first_entry_sum(action):
    """A query wrapper that runs ``action`` once, right after the first query summing
    ledger entries: a posting that lands between reconcile's scan and its repair."""
    done: list[bool] = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and "SUM(" in sql.upper() and '"points_entry"' in sql:
            done.append(True)
            action()
        return result

    return wrapper


@pytest.mark.parametrize("cached", [None, 999], ids=["right", "wrong"])
def test_reconcile_counts_a_posting_made_between_its_scan_and_its_repair(world, cached):
    member = party_member(world, "party-member-reconciled")
    fund(world, member, 25)
    account = Account.objects.get(user=member)
    if cached is not None:
        Account.objects.filter(pk=account.pk).update(balance=cached)

    def serve() -> None:  # service points, posted between the scan and the repair
        services.record_service(
            world.secretary_zhang,
            services.ServiceInput(member=member.pk, kind="care", note="看望", points=10),
        )

    with connection.execute_wrapper(post_after_first_entry_sum(serve)):
        wrong = services.reconcile()
    account.refresh_from_db()
    true = sum(Entry.objects.filter(account=account).values_list("amount", flat=True))
    assert true == 35 and account.balance == 35
    assert wrong == ([] if cached is None else [(account.pk, cached + 10, 35)])
    assert services.reconcile() == []


def test_rebuilt_earnings_count_an_award_made_between_the_scan_and_the_rebuild(world, mid_quarter):
    from shequ.points.models import EarningTotal
    from shequ.points.tests.test_recognition import earn

    earn(world, world.resident_wang, "任务一")
    account = Account.objects.get(user=world.resident_wang)
    EarningTotal.objects.filter(account=account).update(earned=1)
    with connection.execute_wrapper(
        post_after_first_entry_sum(lambda: earn(world, world.resident_wang, "任务二"))
    ):
        services.rebuild_earnings()
    earned = dict(EarningTotal.objects.filter(account=account).values_list("period", "earned"))
    assert set(earned.values()) == {40}, earned
    assert services.rebuild_earnings() == 0


def test_redemption_writes_its_entries_through_the_double_entry_check(world, monkeypatch):
    fund(world, world.resident_wang, 100)
    rice = item(world, stock=5)
    checked = []
    original = services._check_amounts  # the rule every posting's lines go through

    def spy(lines):
        checked.append(sorted(amount for _, amount in lines))
        original(lines)

    monkeypatch.setattr(services, "_check_amounts", spy)
    order = redeem(world.resident_wang, rice, 1)
    assert checked[-1] == [-30, 30]
    # And the writer itself refuses lines that do not sum to zero, before writing a row.
    txn = Transaction.objects.get(order=order, kind="redeem")
    account = Account.objects.get(user=world.resident_wang)
    before = Entry.objects.count()
    with pytest.raises(ValueError, match="unbalanced"):
        services._write_entries(txn, [(account, -30), (account, 29)], earning=False)
    assert Entry.objects.count() == before


def test_reconcile_reports_a_transaction_whose_entries_do_not_sum_to_zero(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from shequ.access.models import AuditEvent

    txn = fund(world, world.resident_wang, 25)
    account = Account.objects.get(user=world.resident_wang)
    # A stray line written past the services (as a bad import or a bug would).
    Entry.objects.create(
        transaction=txn,
        account=account,
        amount=5,
        kind=txn.kind,
        area_path=account.area_path,
        account_kind=account.kind,
        at=txn.created_at,
    )
    assert services.unbalanced_transactions() == [(txn.pk, 5)]
    out = StringIO()
    # Exit status 1 (a cron line or a monitor learns of it), after the report is printed.
    with pytest.raises(CommandError, match="1 笔交易分录不平衡，需要人工核查"):
        call_command("points", "reconcile", stdout=out)
    assert f"交易 #{txn.pk}：分录合计 5，不平衡" in out.getvalue()
    assert "1 笔交易分录不平衡" in out.getvalue()
    assert AuditEvent.objects.filter(event="points.unbalanced").count() == 1


def test_the_migration_makes_the_ledger_append_only(world, migrated_triggers):
    """The triggers the migration installed (seen before the session dropped them), then
    the migration's own function re-creating them and the database refusing changes."""
    import importlib
    from types import SimpleNamespace

    assert triggers.expected(connection.vendor) <= migrated_triggers
    migration = importlib.import_module("shequ.points.migrations.0003_ledger_append_only")
    txn = fund(world, world.resident_wang, 10)
    entry = txn.entries.first()
    migration.forwards(None, SimpleNamespace(connection=connection))
    try:
        assert triggers.expected(connection.vendor) <= triggers.installed(connection)
        for attempt in (
            lambda: Entry.objects.filter(pk=entry.pk).update(amount=1000),
            lambda: Entry.objects.filter(pk=entry.pk).delete(),
            lambda: Transaction.objects.filter(pk=txn.pk).update(memo="改过"),
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                attempt()
    finally:
        triggers.drop(connection)


def test_only_the_issuer_may_go_negative(world):
    fund(world, world.resident_wang, 10)
    account = Account.objects.get(user=world.resident_wang)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=-1)
    issuer = Account.objects.get(kind="issuer", area=world.areas["A1"])
    assert issuer.balance <= -10


def test_a_catalogue_row_keeps_what_was_typed_and_saves_all_or_nothing(world):
    from django.test import Client

    rice = item(world, stock=5)
    c = Client()
    c.force_login(world.secretary_zhang)
    url = f"/points/catalogue/{rice.pk}/stock/"
    r = c.post(url, {"add": "十袋", "active": "0"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "入库数量（出库填负数）必须是整数" in body and 'value="十袋"' in body
    # Taking out more than is in stock is refused, and the row's other change with it.
    r = c.post(url, {"add": "-9", "active": "0"})
    assert r.status_code == 400 and "出库" in r.content.decode() and 'value="-9"' in r.content.decode()
    rice.refresh_from_db()
    assert (rice.stock, rice.active) == (5, True)
    assert c.post(url, {"add": "-2", "active": "0"}).status_code == 302
    rice.refresh_from_db()
    assert (rice.stock, rice.active) == (3, False)


def test_shipping_without_a_tracking_number_keeps_the_courier_typed(world):
    from django.test import Client

    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    move(world.secretary_zhang, order, "pack")
    c = Client()
    c.force_login(world.secretary_zhang)
    url = f"/points/orders/{order.pk}/act/"
    r = c.post(
        url,
        {"action": "ship", "courier": "中国邮政", "tracking_no": "", "next": "/points/fulfil/?status=packed"},
    )
    body = r.content.decode()
    assert r.status_code == 400 and "发货需要填写快递单号" in body
    ship = body[body.index('id="act-ship"') :]
    assert 'value="中国邮政"' in ship[: ship.index("</form>")]  # in the 发货 step's own form
    r = c.post(
        url,
        {
            "action": "ship",
            "courier": "中国邮政",
            "tracking_no": "98765",
            "next": "/points/fulfil/?status=packed",
        },
    )
    assert r.status_code == 302 and r["Location"] == "/points/fulfil/?status=packed"  # back to the tab
    r = c.post(url, {"action": "deliver", "next": "https://example.com/points/fulfil/"})
    assert r["Location"] == f"/points/orders/{order.pk}/"  # never to another site


def test_the_service_page_records_a_past_service_date_and_names_a_bad_one(world):
    from django.test import Client

    from shequ.points.models import ServiceRecord

    member = party_member(world, "party-member-date")
    c = Client()
    c.force_login(world.secretary_zhang)
    form = {"resident": member.resident_id, "kind": "mediation", "note": "调解邻里纠纷", "points": "6"}
    r = c.post("/points/service/", {**form, "served_on": "2026-13-01"})
    assert r.status_code == 400 and "服务日期格式不正确" in r.content.decode()
    assert 'value="调解邻里纠纷"' in r.content.decode()
    tomorrow = timezone.localdate() + timedelta(days=1)
    r = c.post("/points/service/", {**form, "served_on": tomorrow.isoformat()})
    assert r.status_code == 400 and "服务日期不能晚于今天" in r.content.decode()
    past = timezone.localdate() - timedelta(days=20)
    assert c.post("/points/service/", {**form, "served_on": past.isoformat()}).status_code == 302
    assert ServiceRecord.objects.get(member=member).served_on == past


def test_shelf_windows_and_service_records_through_the_api(world):
    import json as _json

    from django.test import Client

    def client(user):
        c = Client()
        c.force_login(user)
        return c

    staff, outsider = client(world.secretary_zhang), client(world.outsider_zhao)
    rice = item(world)
    r = staff.post(
        f"/api/v1/store/items/{rice.pk}/shelf",
        _json.dumps({"active": False}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["active"] is False
    r = outsider.post(
        f"/api/v1/store/items/{rice.pk}/shelf", _json.dumps({"active": True}), content_type="application/json"
    )
    assert r.status_code == 404
    today = timezone.localdate()
    window = {
        "area": world.areas["A1"].code,
        "name": "冬季兑换",
        "starts_on": f"{today}",
        "ends_on": f"{today}",
    }
    r = staff.post("/api/v1/store/windows/", _json.dumps(window), content_type="application/json")
    assert r.status_code == 201 and r.json()["area"] == world.areas["A1"].code
    assert [w["name"] for w in staff.get("/api/v1/store/windows/").json()["items"]] == ["冬季兑换"]
    assert outsider.get("/api/v1/store/windows/").json()["items"] == []
    bad = {**window, "ends_on": f"{today - timedelta(days=1)}"}
    r = staff.post("/api/v1/store/windows/", _json.dumps(bad), content_type="application/json")
    assert r.status_code == 400 and "ends_on" in r.json()["fields"]
    member = party_member(world, "party-member-api")
    services.record_service(
        world.secretary_zhang,
        services.ServiceInput(member=member.pk, kind="mediation", note="调解纠纷", points=4),
    )
    records = staff.get("/api/v1/points/service-records").json()["items"]
    assert [(r["note"], r["points"]) for r in records] == [("调解纠纷", 4)]
    assert outsider.get("/api/v1/points/service-records").json()["items"] == []


def test_staff_reverse_from_a_page_with_a_reason(world):
    from django.test import Client

    txn = fund(world, world.resident_wang, 40)
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/reversals/").content.decode()
    assert f'name="transaction" value="{txn.pk}"' in page
    r = c.post("/points/reversals/", {"transaction": txn.pk, "reason": ""})
    assert r.status_code == 400 and "冲正需要填写原因" in r.content.decode()
    r = c.post("/points/reversals/", {"transaction": txn.pk, "reason": "录" * 181})
    assert r.status_code == 400 and "冲正原因不能超过 180 个字" in r.content.decode()  # named, not cut
    assert balance(world.resident_wang) == 40
    r = c.post("/points/reversals/", {"transaction": txn.pk, "reason": "重复录入"})
    assert r.status_code == 302 and balance(world.resident_wang) == 0
    page = c.get("/points/reversals/").content.decode()
    assert "已冲正" in page and f'name="transaction" value="{txn.pk}"' not in page
    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    assert f'value="{txn.pk}"' not in outsider.get("/points/reversals/").content.decode()
    assert outsider.post("/points/reversals/", {"transaction": txn.pk, "reason": "x"}).status_code == 404
    resident = Client()
    resident.force_login(world.resident_wang)
    assert resident.get("/points/reversals/").status_code == 403


def test_someone_who_moved_is_offered_the_items_their_points_can_buy(world):
    from django.test import Client

    from shequ.people.models import Resident

    fund(world, world.resident_wang, 100)  # points issued in A1
    rice = item(world, key="A1")
    # Moved to another community's household: the store still lists A1's items, which
    # the redemption accepts, instead of the new community's, which it would refuse.
    elsewhere = next(h for k, h in world.households.items() if k.startswith("A2"))
    Resident.objects.filter(pk=world.resident_wang.resident.pk).update(area_path=elsewhere.area_path)
    c = Client()
    c.force_login(world.resident_wang)
    page = c.get("/points/store/").content.decode()
    assert rice.name in page and "春元里社区积分账户" in page
    r = c.post("/points/store/redeem/", {"item": rice.pk, "quantity": "1"})
    assert r.status_code == 302


def test_the_service_form_finds_a_party_member_by_name(world):
    from django.test import Client

    # From the register: the party member is listed whether or not they have a login.
    resident = world.residents["A1-1-h2-r2"]
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/service/", {"q": resident.name[-1]}).content.decode()
    assert f'<option value="{resident.pk}"' in page
    page = c.get("/points/service/", {"q": "欧阳"}).content.decode()
    assert f'<option value="{resident.pk}"' not in page and "没有姓名含“欧阳”的党员" in page


def test_service_points_for_a_party_member_who_has_never_signed_in(world):
    from django.test import Client

    from shequ.access.models import User
    from shequ.access.scope import assignments
    from shequ.points.models import Account, AccountKind, ServiceRecord

    resident = world.residents["A1-1-h2-r2"]  # a party member of the register, no login
    assert resident.party_member_kind and not User.objects.filter(resident=resident).exists()
    c = Client()
    c.force_login(world.secretary_zhang)
    form = {"resident": resident.pk, "kind": "mediation", "note": "调解邻里纠纷", "points": "6"}
    assert c.post("/points/service/", form).status_code == 302
    login = User.objects.get(resident=resident)
    assert not login.has_usable_password() and login.display_name == resident.name
    assert [role for role, _ in assignments(login)] == ["resident"]
    account = Account.objects.get(user=login)
    assert (account.kind, account.balance) == (AccountKind.PARTY_MEMBER, 6)
    # A second record goes to the same person, not to a second login.
    assert c.post("/points/service/", {**form, "points": "4"}).status_code == 302
    assert User.objects.filter(resident=resident).count() == 1
    assert Account.objects.get(user=login).balance == 10
    assert ServiceRecord.objects.filter(member=login).count() == 2
    # The API takes the registry record too.
    r = c.post(
        "/api/v1/points/service-records",
        {"resident": resident.pk, "kind": "mediation", "note": "代办服务", "points": 2},
        content_type="application/json",
    )
    assert r.status_code == 201 and Account.objects.get(user=login).balance == 12
    # Not a party member, or out of scope: the same refusal, and no login is made.
    from shequ.people.models import Resident

    plain = Resident.objects.filter(
        area_path__startswith=world.areas["A1"].path, party_member_kind="", user__isnull=True
    ).first()
    outside = Resident.objects.filter(area_path__startswith=world.areas["B"].path).exclude(
        party_member_kind=""
    )
    for other in (plain, outside.filter(user__isnull=True).first()):
        assert other is not None
        r = c.post("/points/service/", {**form, "resident": other.pk})
        assert r.status_code == 400 and "请选择您管辖范围内的一名党员" in r.content.decode()
        assert not User.objects.filter(resident=other).exists()


def test_a_reversal_of_spent_points_is_refused_beside_its_row_with_the_reason_kept(world):
    from django.test import Client

    spent = fund(world, world.resident_wang, 50)
    redeem(world.resident_wang, item(world, price=30))
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.post("/points/reversals/", {"transaction": spent.pk, "reason": "录入错误"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "余额只有 20 分，不够扣回 50 分" in body and 'value="录入错误"' in body
    assert balance(world.resident_wang) == 20 and not Transaction.objects.filter(reverses=spent).exists()


def test_a_refused_redemption_keeps_the_quantity_typed_in_its_row(world):
    import re

    from django.test import Client

    fund(world, world.resident_wang, 100)
    rice = item(world, price=10, limit=2)
    c = Client()
    c.force_login(world.resident_wang)
    r = c.post("/points/store/redeem/", {"item": rice.pk, "quantity": "3", "idempotency_key": "k-3"})
    assert r.status_code == 409
    found = re.search(rf'name="item" value="{rice.pk}".*?</form>', r.content.decode(), re.S)
    assert found is not None
    row = found[0]
    assert 'value="3"' in row and "超出限兑" in row


def test_my_points_links_the_notice_board_of_my_community(world):
    from django.test import Client

    c = Client()
    c.force_login(world.resident_wang)
    notice = f'href="/points/notice/{world.areas["A1"].code}/"'
    assert notice in c.get("/points/").content.decode()  # before any points, by home
    fund(world, world.resident_wang, 10)
    assert notice in c.get("/points/").content.decode()


def test_staff_fulfilling_through_the_api_see_whom_and_where_to_deliver(world):
    from django.test import Client

    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    c = Client()
    c.force_login(world.secretary_zhang)
    row = next(o for o in c.get("/api/v1/store/orders/?fulfil=true").json()["items"] if o["id"] == order.pk)
    household = world.households["A1-1-h1"]
    assert row["buyer"] == world.residents["A1-1-h1-r1"].name
    assert row["address"] == f"{world.areas['A1-1-b'].name} {household.address}"


def test_a_partner_units_login_is_told_it_cannot_redeem_instead_of_being_offered_the_shelf(world):
    from django.test import Client

    item(world)
    c = Client()
    c.force_login(world.users["partner_unit@A1"])
    page = c.get("/points/store/").content.decode()
    assert 'id="no-personal"' in page and '<button type="submit">兑换' not in page
    fund(world, world.resident_wang, 100)  # a resident with points to spend
    c.force_login(world.resident_wang)
    page = c.get("/points/store/").content.decode()
    assert 'id="no-personal"' not in page and '<button type="submit">兑换' in page


def test_staff_correct_an_items_price_and_limit_from_the_row_and_the_api(world):
    import json

    from django.test import Client

    rice = item(world, price=6, limit=2)  # 6 typed for 60
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.post(f"/points/catalogue/{rice.pk}/stock/", {"add": "", "active": "", "price": "六十"})
    assert r.status_code == 400 and 'value="六十"' in r.content.decode()
    r = c.post(f"/points/catalogue/{rice.pk}/stock/", {"add": "5", "active": "", "price": "60"})
    assert r.status_code == 302
    rice.refresh_from_db()
    assert (rice.price, rice.stock, rice.per_person_limit) == (60, 15, 2)
    api = f"/api/v1/store/items/{rice.pk}"
    r = c.patch(api, json.dumps({"per_person_limit": 0}), content_type="application/json")
    assert r.status_code == 400 and "per_person_limit" in r.json()["fields"]
    r = c.patch(
        api, json.dumps({"per_person_limit": 1, "name": "大米 10kg"}), content_type="application/json"
    )
    assert r.status_code == 200 and (r.json()["per_person_limit"], r.json()["name"]) == (1, "大米 10kg")
    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    r = outsider.patch(api, json.dumps({"price": 1}), content_type="application/json")
    assert r.status_code == 404
    fund(world, world.resident_wang, 100)
    assert redeem(world.resident_wang, rice).points == 60


def test_a_shut_store_names_the_next_redemption_window(world):
    from datetime import date

    from django.test import Client

    rice = item(world)
    today = timezone.localdate()
    # The community redeems in windows (its last one is over) and has planned next
    # year's first: until then its store is shut.
    window_set_back_then(
        world.secretary_zhang,
        world.areas["A1"].code,
        "上一期",
        today - timedelta(days=40),
        today - timedelta(days=10),
    )
    services.add_window(
        world.secretary_zhang,
        world.areas["A1"].code,
        "明年一季度",
        date(today.year + 1, 1, 1),
        date(today.year + 1, 1, 31),
    )
    c = Client()
    c.force_login(world.resident_wang)
    page = c.get("/points/store/").content.decode()
    assert rice.name in page and f"下次兑换期“明年一季度”{today.year + 1}年1月1日" in page


def test_the_store_api_tells_the_open_period_or_the_next_window(world):
    """What the store page tells residents, the API tells an app: the period open today
    (the calendar quarter where no window is set), or while shut the next window."""
    from datetime import date

    from shequ.testing.clients import client_for

    rice = item(world)
    c = client_for(world.resident_wang)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    (row,) = [r for r in c.get("/api/v1/store/items/").json()["items"] if r["id"] == rice.pk]
    assert row["window"]["name"] == f"{today.year}年第{quarter}季度" and row["next_window"] is None
    code = world.areas["A1"].code
    last = (today - timedelta(days=40), today - timedelta(days=10))
    window_set_back_then(world.secretary_zhang, code, "上一期", *last)
    services.add_window(
        world.secretary_zhang, code, "明年一季度", date(today.year + 1, 1, 1), date(today.year + 1, 1, 31)
    )
    (row,) = [r for r in c.get("/api/v1/store/items/").json()["items"] if r["id"] == rice.pk]
    assert row["window"] is None
    assert row["next_window"] == {
        "name": "明年一季度",
        "starts_on": f"{today.year + 1}-01-01",
        "ends_on": f"{today.year + 1}-01-31",
    }


def test_a_bad_service_date_is_named_together_with_the_other_fields(world):
    from django.test import Client

    from shequ.points.models import ServiceRecord

    member = party_member(world, "party-member-fields")
    c = Client()
    c.force_login(world.secretary_zhang)
    form = {
        "resident": member.resident_id,
        "kind": "errand",
        "note": "",
        "points": "0",
        "served_on": "2026-13-01",
    }
    body = c.post("/points/service/", form).content.decode()
    assert "服务日期格式不正确" in body and "请填写服务内容" in body and "积分必须在 1 到 100 之间" in body
    assert not ServiceRecord.objects.filter(member=member).exists()


def test_the_order_page_asks_each_person_only_for_the_fields_of_their_actions(world):
    from django.test import Client

    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    buyer, staff = Client(), Client()
    buyer.force_login(world.resident_wang)
    staff.force_login(world.secretary_zhang)
    page = buyer.get(f"/points/orders/{order.pk}/").content.decode()
    assert 'name="courier"' not in page and "取消原因（可不填）" in page
    services.transition_order(world.secretary_zhang, order.pk, services.OrderTransitionInput(action="pack"))
    page = staff.get(f"/points/orders/{order.pk}/").content.decode()
    assert 'name="courier"' in page and 'name="tracking_no"' in page and "将告知兑换人" in page


def test_staff_cannot_give_points_to_themselves(world):
    """Nobody accepts the proof of a task they claimed; no more may a staff member who is
    also a party member of the registry record service points, or enter an opening
    balance, for their own person. Another staff member can."""
    from shequ.access.models import User

    # A copy of the world's login: the shared one must not keep the resident once this
    # test's transaction is rolled back (a later test's staff would be this member).
    staff = User.objects.get(pk=world.users["community_staff@A1"].pk)
    own = world.residents["A1-1-h2-r2"]
    assert own.party_member_kind
    User.objects.filter(pk=staff.pk).update(resident=own)
    staff.refresh_from_db()
    service = services.ServiceInput(member=0, resident=own.pk, kind="errand", note="代办医保续费", points=10)
    with pytest.raises(ValidationFailed) as exc:
        services.record_service(staff, service)
    assert exc.value.fields == {"resident": "不能给自己记录服务积分，请由其他工作人员记录"}
    with pytest.raises(ValidationFailed) as exc:
        services.opening_balance(staff, staff, 100, "期初积分")
    assert exc.value.fields == {"account": "不能给自己录入期初积分，请由其他工作人员录入"}
    assert not Entry.objects.filter(account__user=staff).exists()
    services.record_service(world.secretary_zhang, service)
    services.opening_balance(world.secretary_zhang, staff, 100, "期初积分")
    assert Account.objects.get(user=staff).balance == 110


def test_a_resent_service_or_opening_form_records_its_points_once(world):
    """A double click on 记录 or 录入期初积分 (or a request retried with the same
    Idempotency-Key) writes one transaction; a new form is a new record."""
    import re

    from django.test import Client

    from shequ.points.models import Account, ServiceRecord

    member = party_member(world, "party-member-twice")
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/service/").content.decode()
    key = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', page)[0]
    form = {"resident": member.resident_id, "kind": "mediation", "note": "调解邻里纠纷", "points": "6"}
    for _ in range(2):
        assert c.post("/points/service/", {**form, "idempotency_key": key}).status_code == 302
    assert ServiceRecord.objects.filter(member=member).count() == 1
    account = Account.objects.get(user=member)
    assert account.balance == 6

    page = c.get(f"/points/accounts/{account.pk}/").content.decode()
    key = re.findall(r'name="idempotency_key" value="([0-9a-f]{32})"', page)[0]
    for _ in range(2):
        r = c.post(
            f"/points/accounts/{account.pk}/", {"points": "200", "memo": "结转", "idempotency_key": key}
        )
        assert r.status_code == 302
    account.refresh_from_db()
    assert account.balance == 206

    # One carry-over an account: the page's is reversed before the API enters another.
    opening = Transaction.objects.get(kind="opening", entries__account=account)
    services.reverse(world.secretary_zhang, opening.pk, "改由接口录入")
    api = client_for(world.secretary_zhang)
    url = f"/api/v1/points/accounts/{account.pk}/opening"
    body = json.dumps({"points": 10, "memo": "补录"})
    first = api.post(url, body, content_type="application/json", headers={"Idempotency-Key": "open-1"})
    again = api.post(url, body, content_type="application/json", headers={"Idempotency-Key": "open-1"})
    # 201 for the record made, 200 for the repeat that made nothing.
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    body = json.dumps({"resident": member.resident_id, "kind": "mediation", "note": "调解", "points": 3})
    first = api.post(
        "/api/v1/points/service-records",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "svc-1"},
    )
    again = api.post(
        "/api/v1/points/service-records",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "svc-1"},
    )
    # 201 for the record made, 200 for the repeat that made nothing.
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    account.refresh_from_db()
    assert account.balance == 19  # 6 + 200 − 200 (reversed) + 10 + 3
    assert ServiceRecord.objects.filter(member=member).count() == 2


def test_a_key_spent_on_one_kind_of_record_is_refused_for_another(world):
    """A client reusing its keys: an opening balance sent with a service record's key was
    answered 201 with the service record (and never written), and the other way round
    was a server error."""
    member = party_member(world, "party-member-keys")
    api = client_for(world.secretary_zhang)
    body = json.dumps({"resident": member.resident_id, "kind": "mediation", "note": "调解", "points": 3})
    headers = {"Idempotency-Key": "shared-1"}
    r = api.post("/api/v1/points/service-records", body, content_type="application/json", headers=headers)
    assert r.status_code == 201
    account = Account.objects.get(user=member)
    url = f"/api/v1/points/accounts/{account.pk}/opening"
    r = api.post(url, json.dumps({"points": 10}), content_type="application/json", headers=headers)
    assert r.status_code == 400 and "已用于另一笔积分记录" in r.json()["fields"]["idempotency_key"]
    r = api.post(
        url, json.dumps({"points": 10}), content_type="application/json", headers={"Idempotency-Key": "o-1"}
    )
    assert r.status_code == 201
    r = api.post(
        "/api/v1/points/service-records",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "o-1"},
    )
    assert r.status_code == 400 and "已用于另一笔积分记录" in r.json()["fields"]["idempotency_key"]
    account.refresh_from_db()
    assert account.balance == 13


def test_one_item_of_a_name_on_a_shelf(world):
    """A double click on 上架 put two identical 大米 on the store's shelf."""
    from django.test import Client

    from shequ.points.models import StoreItem

    c = Client()
    c.force_login(world.secretary_zhang)
    form = {
        "name": "花生油 5L",
        "price": "50",
        "stock": "3",
        "per_person_limit": "1",
        "area": world.areas["A1"].code,
    }
    assert c.post("/points/catalogue/", form).status_code == 302
    r = c.post("/points/catalogue/", form)
    assert r.status_code == 400 and "已有上架的“花生油 5L”" in r.content.decode()
    assert StoreItem.objects.filter(name="花生油 5L").count() == 1
    rice = item(world)
    with pytest.raises(ValidationFailed) as exc:
        services.set_item_terms(world.secretary_zhang, rice.pk, services.ItemTerms(name="花生油 5L"))
    assert "已有上架的“花生油 5L”" in exc.value.fields["name"]
    oil = StoreItem.objects.get(name="花生油 5L")
    services.set_item_active(world.secretary_zhang, oil.pk, False)
    assert services.create_item(  # off the shelf, its name may be listed again
        world.secretary_zhang,
        services.ItemInput(
            name="花生油 5L", price=60, stock=2, per_person_limit=1, area=world.areas["A1"].code
        ),
    )
    with pytest.raises(ValidationFailed):
        services.set_item_active(world.secretary_zhang, oil.pk, True)


def test_a_waybill_number_must_look_like_one_and_a_withdrawn_item_is_named(world):
    """\"稍后补\" was shipped as the tracking number (and a shipped order cannot be changed),
    and ordering an item withdrawn while the store page was open gave a bare error page."""
    from django.test import Client

    buyer = world.resident_wang
    fund(world, buyer, 200)
    rice = item(world)
    order = redeem(buyer, rice)
    move(world.secretary_zhang, order, "pack")
    with pytest.raises(ValidationFailed) as exc:
        move(world.secretary_zhang, order, "ship", courier="?", tracking_no="稍后补")
    assert set(exc.value.fields) == {"courier", "tracking_no"}
    assert "快递单号应为 5 到 40 位字母、数字或连字符" in exc.value.fields["tracking_no"]
    shipped = move(
        world.secretary_zhang, order, "ship", courier="顺丰速运", tracking_no="ＳＦ１２３４５６７８９０"
    )
    assert (shipped.status, shipped.tracking_no) == (OrderStatus.SHIPPED, "SF1234567890")

    c = Client()
    c.force_login(buyer)
    services.set_item_active(world.secretary_zhang, rice.pk, False)
    r = c.post("/points/store/redeem/", {"item": rice.pk, "quantity": "2"})
    assert r.status_code == 409 and f"{rice.name}已下架，不能兑换" in r.content.decode()


def test_the_catalogue_page_corrects_an_items_name_as_the_api_does(world):
    """PATCH /store/items/{id} could rename an item; the page could not."""
    from django.test import Client

    rice = item(world)
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.post(
        f"/points/catalogue/{rice.pk}/stock/", {"add": "0", "name": "东北大米 5kg", "description": "新米"}
    )
    assert r.status_code == 302
    rice.refresh_from_db()
    assert (rice.name, rice.description) == ("东北大米 5kg", "新米")
    r = c.post(f"/points/catalogue/{rice.pk}/stock/", {"add": "0", "name": "米" * 51})
    assert r.status_code == 400 and "名称不能超过 50 个字" in r.content.decode()


def test_a_price_with_extra_zeros_is_named(world):
    """A price up to 2,147,483,647 was listed: a typo of a few zeros put an item on the
    shelf that nobody could ever redeem."""
    with pytest.raises(ValidationFailed) as exc:
        services.create_item(
            world.secretary_zhang,
            services.ItemInput(
                name="大米", price=3_000_000, stock=1, per_person_limit=1, area=world.areas["A1"].code
            ),
        )
    assert exc.value.fields == {"price": "所需积分须在 1 到 100000 之间"}
    rice = item(world)
    with pytest.raises(ValidationFailed):
        services.set_item_terms(world.secretary_zhang, rice.pk, services.ItemTerms(price=0))


def test_the_buyer_lands_on_a_confirmation_not_on_a_button_that_cancels(world):
    """After 兑换 the order page's one form was 取消订单 with a big 提交: a resident who
    tapped it to confirm cancelled the order."""
    from django.test import Client

    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world))
    c = Client()
    c.force_login(world.resident_wang)
    page = c.get(f"/points/orders/{order.pk}/").content.decode()
    assert f"兑换成功，已扣 {order.points} 积分" in page and 'href="/points/orders/"' in page
    assert "<summary>不想要了？取消订单</summary>" in page and ">提交</button>" not in page
    r = c.post(f"/points/orders/{order.pk}/act/", {"action": "cancel", "note": ""})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "订单已取消，积分已退回" in c.get(f"/points/orders/{order.pk}/").content.decode()


def test_the_service_form_says_how_to_register_party_members_when_there_are_none(world):
    from django.test import Client

    from shequ.areas.paths import under
    from shequ.people.models import Resident

    # Given a community whose register has no party member (a fresh deployment's import)
    Resident.objects.filter(under(world.areas["A1"].path)).update(party_member_kind="")
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/service/").content.decode()
    assert "登记册中还没有党员：导入名册时填写“党员类型”列" in page
    assert '<select name="resident"' not in page
    # A street with party members elsewhere still gets the form.
    page = client_for(world.street_chen).get("/points/service/").content.decode()
    assert '<select name="resident"' in page and "登记册中还没有党员" not in page


def test_an_order_by_a_login_not_linked_to_the_register_shows_its_households_address(world):
    from django.test import Client

    from shequ.access.services import add_user

    # Given a resident's login made with `shequ user add --role resident` and no ID number
    household = world.households["A1-2-h2"]
    buyer = add_user("unlinked-buyer", "pass-2026-xyz", role="resident", area_code=household.code)
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    where = f"{world.areas['A1-2-b'].name} {household.address}"
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/fulfil/").content.decode()
    row = page.split(f">#{order.pk}</a>")[1].split("</tr>")[0]
    assert where in row and "无登记住址" not in row
    found = c.get("/api/v1/store/orders/?fulfil=true").json()["items"]
    assert next(o for o in found if o["id"] == order.pk)["address"] == where


def test_an_order_by_a_buyer_with_no_household_says_so_on_the_fulfilment_page(world):
    from shequ.access.services import add_user, assign_role, revoke_role

    # Given a resident's login, not linked to the register, that ordered and then moved to
    # a grid worker's role: it holds roles, none of them at a household
    household = world.households["A1-2-h2"]
    buyer = add_user("no-household-buyer", "pass-2026-xyz", role="resident", area_code=household.code)
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    assign_role(buyer, "grid_worker", world.areas["A1-1"].code)
    revoke_role(buyer, "resident", household.code)
    page = client_for(world.secretary_zhang).get("/points/fulfil/").content.decode()
    row = page.split(f">#{order.pk}</a>")[1].split("</tr>")[0]
    assert "无登记住址" in row


def test_an_opening_balance_is_carried_over_once_per_account_until_reversed(world):
    """A second 期初积分 on the same person (another staff member entering the same paper
    balance) doubled it, points from nothing; any number of them could be entered."""
    from shequ.points.models import Account

    resident = world.users["resident@A1-1-h2"]
    first = services.opening_balance(
        world.secretary_zhang, resident, 80, "期初积分（云号手平台结转）", key="k-1"
    )
    with pytest.raises(ValidationFailed, match="不能重复录入") as refused:
        services.opening_balance(world.users["community_staff@A1"], resident, 80, "期初积分", key="k-2")
    assert f"交易 #{first.pk}" in refused.value.fields["points"]
    assert Account.objects.get(user=resident).balance == 80
    # A wrong one is reversed first; then the right one may be entered.
    services.reverse(world.secretary_zhang, first.pk, "金额录错")
    services.opening_balance(world.users["community_staff@A1"], resident, 60, "期初积分（更正）", key="k-3")
    assert Account.objects.get(user=resident).balance == 60


def test_over_the_limit_says_how_many_may_still_be_redeemed(world):
    """Asking 3 of an item limited to 2 was told "每人每期限兑 2 件，您本期已兑 0 件", which
    reads as room left: the refusal now says how many this period still allows."""
    fund(world, world.resident_wang, 100)
    soap = item(world, name="香皂", price=5, stock=10, limit=2)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, soap, 3)
    assert exc.value.code == "over_limit" and "您本期已兑 0 件，这次最多还能兑 2 件" in exc.value.message
    redeem(world.resident_wang, soap, 2)
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, soap, 1)
    assert "您本期已兑 2 件，本期不能再兑换这件物品" in exc.value.fields["quantity"]


def test_the_store_form_offers_no_quantity_the_order_refuses(world):
    """An item limited to 200 a person offered a quantity box up to 200, while an order
    takes 1 to 99: 150 typed on a phone passed the box and came back refused."""
    import re

    fund(world, world.resident_wang, 100)
    bulk = item(world, name="垃圾袋", price=1, stock=500, limit=200)
    few = item(world, name="肥皂", price=1, stock=5, limit=3)
    page = client_for(world.resident_wang).get("/points/store/").content.decode()

    def box(shelf):
        form = page.split(f'name="item" value="{shelf.pk}"')[1].split("</form>")[0]
        found = re.search(r'<input name="quantity"[^>]*>', form)
        assert found is not None
        return found.group(0)

    assert 'max="99"' in box(bulk) and 'max="3"' in box(few)


def test_an_item_beyond_the_balance_is_offered_with_its_button_off_and_the_shortfall(world):
    """A resident with 40 points saw 兑换 on a 50-point item as on a 30-point one and was
    told 积分不足 only after the tap: the button is off and says what is lacking."""
    buyer = world.resident_wang
    fund(world, buyer, 40)
    within, beyond = item(world, name="抽纸 10包", price=30), item(world, name="洗衣液 2kg", price=50)
    account = selectors.own_account(buyer)
    assert account is not None and account.balance == 40
    page = client_for(buyer).get("/points/store/").content.decode()
    rows = {i.name: page.split(f"<b>{i.name}</b>")[1].split("</li>")[0] for i in (within, beyond)}
    assert "disabled" not in rows[within.name] and "积分不足" not in rows[within.name]
    assert "disabled" in rows[beyond.name]
    assert "积分不足，还差 10 分" in rows[beyond.name]


def test_choosing_the_shelf_state_an_item_already_has_records_no_step(world):
    from shequ.access.models import AuditEvent

    rice = item(world)
    steps = AuditEvent.objects.filter(event="store.item_active", object_id=str(rice.pk))
    services.set_item_active(world.secretary_zhang, rice.pk, True)  # already on the shelf
    assert steps.count() == 0
    services.set_item_active(world.secretary_zhang, rice.pk, False)
    services.set_item_active(world.secretary_zhang, rice.pk, False)
    assert steps.count() == 1
    assert StoreItem.objects.get(pk=rice.pk).active is False
