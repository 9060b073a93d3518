"""The per-person limit counts the person's live orders of an item placed within the
current period's dates — the redemption window open today, else the calendar quarter —
whatever period key the orders were stored under, so adding a window mid-quarter does
not hand everyone a fresh limit."""

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.points import services
from shequ.points.models import Order
from shequ.points.services import Refused
from shequ.points.tests.helpers import fund, item, move, redeem

pytestmark = pytest.mark.django_db


def test_a_window_added_mid_quarter_keeps_what_was_bought_in_its_dates(world, mid_quarter):
    fund(world, world.resident_wang, 500)
    rice = item(world, price=10, stock=50, limit=3)
    first = redeem(world.resident_wang, rice)
    assert first.window == "2030Q2"
    # The street office sets a window around today: the order above lies within its dates.
    services.add_window(
        world.secretary_zhang, world.areas["A1"].code, "五六月", date(2030, 5, 1), date(2030, 6, 30)
    )
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice, 3)
    assert exc.value.code == "over_limit" and "您本期已兑 1 件" in exc.value.message
    second = redeem(world.resident_wang, rice, 2)
    assert second.window.startswith("w")
    with pytest.raises(Refused):
        redeem(world.resident_wang, rice)


def test_orders_outside_the_periods_dates_or_cancelled_do_not_count(world, mid_quarter):
    fund(world, world.resident_wang, 500)
    rice = item(world, price=10, stock=50, limit=2)
    old = redeem(world.resident_wang, rice, 2)
    # Placed in March, the quarter before the one the first window opens in (an order of
    # that window's own quarter counts in it: see the test below).
    Order.objects.filter(pk=old.pk).update(created_at=mid_quarter - timedelta(days=60))
    services.add_window(
        world.secretary_zhang, world.areas["A1"].code, "五六月", date(2030, 5, 1), date(2030, 6, 30)
    )
    cancelled = redeem(world.resident_wang, rice, 2)
    move(world.resident_wang, cancelled, "cancel")
    assert redeem(world.resident_wang, rice, 2).quantity == 2


def test_a_first_window_set_after_sales_began_does_not_give_a_second_limit(world, mid_quarter, monkeypatch):
    """The store sold under the quarter until the first window was set for June; the window
    counted only from its own first day, so a limit used on 15 May was given again."""
    fund(world, world.resident_wang, 500)
    rice = item(world, price=10, stock=50, limit=1)
    assert redeem(world.resident_wang, rice).window == "2030Q2"  # 15 May
    a1 = world.areas["A1"].code
    services.add_window(world.secretary_zhang, a1, "六月兑换期", date(2030, 6, 10), date(2030, 7, 20))
    later = services.add_window(world.secretary_zhang, a1, "八月兑换期", date(2030, 8, 10), date(2030, 8, 31))

    def on(day):
        at = datetime.combine(day, time(10), tzinfo=ZoneInfo(settings.TIME_ZONE))
        monkeypatch.setattr(timezone, "now", lambda: at)

    on(date(2030, 6, 15))
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice)
    assert exc.value.code == "over_limit" and "您本期已兑 1 件" in exc.value.message
    # The window is still shown with its own dates, and its orders keep its key.
    shown = services.current_window(rice)
    assert shown is not None and shown[1:4] == ("六月兑换期", date(2030, 6, 10), date(2030, 7, 20))
    # In July (the next quarter, still the first window) the May order still counts.
    on(date(2030, 7, 15))
    with pytest.raises(Refused):
        redeem(world.resident_wang, rice)
    # A later window counts from its own first day: an order of 15 July (in the first
    # window, in the later one's quarter) does not count in it.
    Order.objects.filter(user=world.resident_wang).update(created_at=datetime(2030, 7, 15, 10, tzinfo=UTC))
    on(date(2030, 8, 15))
    assert redeem(world.resident_wang, rice).window == f"w{later.pk}"


def test_a_window_set_in_advance_leaves_this_quarter_open(world, mid_quarter):
    """Staff set next quarter's window in May: until it begins the store keeps the
    calendar quarter, as it did before any window was set."""
    fund(world, world.resident_wang, 500)
    rice = item(world, price=10, stock=50, limit=3)
    services.add_window(
        world.secretary_zhang, world.areas["A1"].code, "三季度兑换期", date(2030, 9, 20), date(2030, 9, 30)
    )
    assert redeem(world.resident_wang, rice).window == "2030Q2"


def test_the_first_window_keeps_its_own_quarter_shut_until_it_opens(world, mid_quarter):
    """A first window set for later in this quarter: the store waited for it only from
    the quarter after, so it sold from the 1st under the quarter and again in the window,
    a person's limit counted twice; the catalogue says it opens only in its windows."""
    fund(world, world.resident_wang, 500)
    rice = item(world, price=10, stock=50, limit=1)
    services.add_window(
        world.secretary_zhang, world.areas["A1"].code, "六月兑换期", date(2030, 6, 10), date(2030, 6, 30)
    )
    with pytest.raises(Refused) as exc:
        redeem(world.resident_wang, rice)
    assert exc.value.code == "window_closed"
    assert services.current_window(rice) is None


def test_windows_for_the_same_items_may_not_overlap(world):
    community, street = world.areas["A1"].code, world.areas["A"].code
    services.add_window(world.secretary_zhang, community, "十二月", date(2030, 12, 1), date(2030, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        services.add_window(world.secretary_zhang, community, "年底", date(2030, 12, 25), date(2031, 1, 5))
    assert "与已有兑换期“十二月”（2030年12月01日至2030年12月31日）重叠" in exc.value.fields["starts_on"]
    # The street's window covers the community's items too.
    with pytest.raises(ValidationFailed):
        services.add_window(world.street_chen, street, "街道冬季", date(2030, 11, 15), date(2030, 12, 2))
    # Back to back is fine, and so is another community's window on the same days.
    services.add_window(world.secretary_zhang, community, "一月", date(2031, 1, 1), date(2031, 1, 31))
    services.add_window(
        world.street_chen, world.areas["A2"].code, "十二月", date(2030, 12, 1), date(2030, 12, 31)
    )


def test_a_window_lasts_a_year_at_most_within_a_calendar(world):
    """A window ending 9999-12-31 was saved, and every redemption then failed on its end
    date plus a day: "提交的数字太大" on a store that looked open."""
    community = world.areas["A1"].code
    with pytest.raises(ValidationFailed) as exc:
        services.add_window(world.secretary_zhang, community, "长期", date(2030, 1, 1), date(9999, 12, 31))
    assert exc.value.fields == {"ends_on": "结束日期须在 2000 年到 2099 年之间"}
    with pytest.raises(ValidationFailed) as exc:
        services.add_window(world.secretary_zhang, community, "古代", date(1, 1, 1), date(1, 3, 31))
    assert set(exc.value.fields) == {"starts_on", "ends_on"}
    with pytest.raises(ValidationFailed) as exc:
        services.add_window(world.secretary_zhang, community, "两年", date(2030, 1, 1), date(2031, 12, 31))
    assert exc.value.fields["ends_on"].startswith("一个兑换期最长 366 天")
    services.add_window(world.secretary_zhang, community, "2032年", date(2032, 1, 1), date(2032, 12, 31))


def test_a_window_typed_wrong_can_be_corrected_or_removed(world):
    """5 May–5 May typed for 5 May–30 June shut the store from the 6th, and the right
    window was refused as overlapping: nothing could change or remove a window."""
    from django.test import Client

    from shequ.points.models import RedemptionWindow
    from shequ.testing.clients import client_for

    today = timezone.localdate()
    a1 = world.areas["A1"].code
    typo = services.add_window(world.secretary_zhang, a1, "第二季度", today, today)
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/catalogue/").content.decode()
    assert f"/points/windows/{typo.pk}/" in page
    moved = {
        "action": "dates",
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": today.isoformat(),
    }
    r = c.post(f"/points/windows/{typo.pk}/", moved)
    assert r.status_code == 400 and "开始日期不能再改" in r.content.decode()
    right = {
        "action": "dates",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat(),
    }
    assert c.post(f"/points/windows/{typo.pk}/", right).status_code == 302
    typo.refresh_from_db()
    assert typo.ends_on == today + timedelta(days=40)
    refused = c.post(f"/points/windows/{typo.pk}/", {"action": "remove"})  # begun: shorten it instead
    assert refused.status_code == 400 and f'value="{typo.ends_on:%Y-%m-%d}"' in refused.content.decode()

    later = services.add_window(
        world.secretary_zhang, a1, "第三季度", today + timedelta(days=50), today + timedelta(days=60)
    )
    api = client_for(world.secretary_zhang)
    r = api.patch(
        f"/api/v1/store/windows/{later.pk}",
        json.dumps(
            {"starts_on": str(today + timedelta(days=30)), "ends_on": str(today + timedelta(days=60))}
        ),
        content_type="application/json",
    )
    assert r.status_code == 400 and "重叠" in r.json()["fields"]["starts_on"]
    assert client_for(world.outsider_zhao).delete(f"/api/v1/store/windows/{later.pk}").status_code == 404
    assert api.delete(f"/api/v1/store/windows/{later.pk}").status_code == 204
    assert not RedemptionWindow.objects.filter(pk=later.pk).exists()


def test_a_window_that_is_already_over_is_refused_naming_its_end_date(world, mid_quarter):
    """2025 typed for 2026: a period over before it was set sold nothing and shut the
    community's store (兑换期未公布), and could be neither removed nor moved a year on."""
    from shequ.points.models import RedemptionWindow
    from shequ.testing.clients import client_for

    rice = item(world)
    a1 = world.areas["A1"].code
    windows = RedemptionWindow.objects.count()  # the session's committed demo may have some
    with pytest.raises(ValidationFailed) as exc:
        services.add_window(world.secretary_zhang, a1, "2030年第一季度", date(2029, 1, 1), date(2029, 3, 31))
    assert set(exc.value.fields) == {"ends_on"}
    assert exc.value.fields["ends_on"].startswith("结束日期 2029年03月31日 已经过去")
    # On the page: the message beside the end date, what was typed kept.
    form = {"form": "window", "area": a1, "name": "2030年第一季度", "starts_on": "2029-01-01"}
    r = client_for(world.secretary_zhang).post("/points/catalogue/", {**form, "ends_on": "2029-03-31"})
    body = r.content.decode()
    assert r.status_code == 400 and '<span class="field-error">结束日期 2029年03月31日 已经过去' in body
    assert 'value="2030年第一季度"' in body and 'value="2029-03-31"' in body
    assert RedemptionWindow.objects.count() == windows and services.current_window(rice) is not None
    # A window begun earlier this quarter and ending today or later is still taken.
    services.add_window(world.secretary_zhang, a1, "五月", date(2030, 5, 1), date(2030, 5, 15))


def test_a_window_cannot_be_moved_to_have_ended(world, mid_quarter):
    a1 = world.areas["A1"].code
    window = services.add_window(world.secretary_zhang, a1, "五六月", date(2030, 5, 1), date(2030, 6, 30))
    with pytest.raises(ValidationFailed) as exc:
        services.set_window_dates(world.secretary_zhang, window.pk, date(2030, 5, 1), date(2030, 5, 14))
    assert exc.value.fields["ends_on"].startswith("结束日期 2030年05月14日 已经过去")


def test_an_ended_window_nothing_was_ordered_in_can_be_removed(world, mid_quarter, monkeypatch):
    """A window of last year's dates, set before periods in the past were refused, shut
    the store for good: once over it may be removed if nobody ordered in it, and the
    store opens again. One that orders were counted in is kept: it is their record."""
    from shequ.points.models import RedemptionWindow
    from shequ.points.tests.helpers import window_set_back_then
    from shequ.testing.clients import client_for

    fund(world, world.resident_wang, 100)
    rice = item(world)
    a1 = world.areas["A1"].code
    typo = window_set_back_then(world.secretary_zhang, a1, "第二季度", date(2029, 4, 1), date(2029, 6, 30))
    now = mid_quarter
    monkeypatch.setattr(timezone, "now", lambda: now)
    assert services.current_window(rice) is None  # the store is shut by it
    staff = client_for(world.secretary_zhang)
    page = staff.get("/points/catalogue/").content.decode()
    row = page[page.index("第二季度：") :]
    assert f'action="/points/windows/{typo.pk}/"' in row and 'value="remove"' in row[: row.index("</li>")]
    assert staff.post(f"/points/windows/{typo.pk}/", {"action": "remove"}).status_code == 302
    assert not RedemptionWindow.objects.filter(pk=typo.pk).exists()
    assert services.current_window(rice) is not None and redeem(world.resident_wang, rice).window == "2030Q2"

    # A window people redeemed in stays once it is over.
    used = window_set_back_then(world.secretary_zhang, a1, "一月", date(2030, 1, 1), date(2030, 1, 31))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2030, 1, 10, 2, tzinfo=UTC))
    assert redeem(world.resident_wang, rice).window == f"w{used.pk}"
    monkeypatch.setattr(timezone, "now", lambda: now)
    r = staff.post(f"/points/windows/{used.pk}/", {"action": "remove"})
    assert r.status_code == 400 and "期间已有兑换订单" in r.content.decode()
    assert RedemptionWindow.objects.filter(pk=used.pk).exists()


def test_community_staff_see_the_streets_window_that_rules_their_store_read_only(world, mid_quarter):
    """The street's period was in force for the community's store, yet its staff saw
    未设置（按季度）, and their own period was refused as overlapping one not listed."""
    from shequ.testing.clients import client_for

    street = services.add_window(
        world.street_chen, world.areas["A"].code, "第二季度（街道）", date(2030, 4, 1), date(2030, 6, 30)
    )
    staff = client_for(world.secretary_zhang)
    page = staff.get("/points/catalogue/").content.decode()
    row = page[page.index("第二季度（街道）：") :]
    row = row[: row.index("</li>")]
    assert "街道设定" in row and "<form" not in row  # shown, with nothing to change it
    assert "未设置（按季度）" not in page
    r = staff.post(
        "/points/catalogue/",
        {
            "form": "window",
            "area": world.areas["A1"].code,
            "name": "六月",
            "starts_on": "2030-06-01",
            "ends_on": "2030-06-30",
        },
    )
    assert r.status_code == 400 and "与已有兑换期“第二季度（街道）”" in r.content.decode()
    # The API says the same, and the street's window stays the street's to change.
    (listed,) = staff.get("/api/v1/store/windows/").json()["items"]
    assert (listed["id"], listed["set_above"]) == (street.pk, True)
    assert staff.delete(f"/api/v1/store/windows/{street.pk}").status_code == 404
    (own,) = client_for(world.street_chen).get("/api/v1/store/windows/").json()["items"]
    assert own["set_above"] is False
    # Another street's communities do not see it.
    outsider = client_for(world.outsider_zhao)
    assert outsider.get("/api/v1/store/windows/").json()["items"] == []
    assert "第二季度（街道）" not in outsider.get("/points/catalogue/").content.decode()
