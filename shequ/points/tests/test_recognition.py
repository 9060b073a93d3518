"""Quarterly rankings (社区治理能人 / 社区治理先锋), yearly stars, and the public notice."""

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from shequ.access.services import add_user
from shequ.points import selectors, services
from shequ.points.models import AccountKind
from shequ.points.tests.helpers import fund
from shequ.tasks import services as tasks
from shequ.tasks.tests.helpers import act, make_task, prove

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_quarter")]


def earn(world, user, title):
    task = make_task(world, title=title, difficulty="hard")
    claim = prove(user, tasks.claim_task(user, task.pk))
    act(world.grid_worker_li, claim, "accept")


def household_of(resident):
    """A resident's household as the staff rankings show it (building and door)."""
    return f"{resident.household.building.name} {resident.household.address}"


def party_member(world):
    return add_user(
        "party-member-rank",
        "pass-2026-xyz",
        role="resident",
        area_code=world.households["A1-1-h2"].code,
        resident=world.residents["A1-1-h2-r2"],
        check_password=False,
    )


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_quarterly_rankings_count_earned_points_only(world):
    wang, neighbour = world.resident_wang, world.users["resident@A1-1-h2"]
    earn(world, wang, "任务一")
    earn(world, wang, "任务二")
    earn(world, neighbour, "任务三")
    fund(world, neighbour, 500)  # an opening balance is not earned in the quarter
    member = party_member(world)
    services.record_service(
        world.secretary_zhang,
        services.ServiceInput(member=member.pk, kind="care", note="看望独居老人", points=6),
    )
    year, quarter = selectors.current_quarter(timezone.localdate())
    assert (year, quarter) == (2030, 2)  # the frozen clock
    community = world.areas["A1"]
    residents = selectors.ranking(community, AccountKind.RESIDENT, year, quarter)
    assert [(r.name, r.points) for r in residents][:2] == [
        (wang.resident.name, 40),
        (neighbour.resident.name, 20),
    ]
    assert residents[0].stars == 2 and residents[1].stars == 1
    pioneers = selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter)
    assert [(r.name, r.points) for r in pioneers] == [(member.resident.name, 6)]
    # A reversed award no longer counts.
    from shequ.tasks.models import Award

    award = Award.objects.filter(user=wang).order_by("id").first()
    assert award is not None
    services.reverse(world.secretary_zhang, award.transaction_id, "重复登记")
    residents = selectors.ranking(community, AccountKind.RESIDENT, year, quarter)
    assert residents[0].points == 20
    # The totals the rankings read equal the entries, and rebuild to the same.
    assert services.rebuild_earnings() == 0
    stars = selectors.star_volunteers(community, year)
    # 20 points each: one rank, listed by name.
    assert sorted((r.name, r.stars, r.rank) for r in stars) == sorted(
        [(wang.resident.name, 1, 1), (neighbour.resident.name, 1, 1)]
    )


def test_the_public_notice_shows_masked_names(world):
    earn(world, world.resident_wang, "公示任务")
    name = world.resident_wang.resident.name
    body = Client().get(f"/points/notice/{world.areas['A1'].code}/").content.decode()
    assert "社区治理能人" in body
    assert name not in body and name[0] + "*" * (len(name) - 1) in body


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_the_quarterly_lists_show_each_persons_star_level_of_the_year(world):
    """docs/tasks.md: a quarterly list shows each person's star level of the year; the
    pages showed only the name and the points."""
    earn(world, world.resident_wang, "星级任务一")
    earn(world, world.resident_wang, "星级任务二")
    name = world.resident_wang.resident.name
    masked = name[0] + "*" * (len(name) - 1)
    notice = Client().get(f"/points/notice/{world.areas['A1'].code}/").content.decode()
    assert f"{masked} · 40 分 · " in notice and "★★</span>" in notice
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/points/rankings/", {"community": world.areas["A1"].code}).content.decode()
    assert f">{name}</a> · 40 分 · " in page and "★★</span>" in page


def test_a_typed_period_is_checked_and_named():
    today = timezone.localdate()  # 2030-05-15 on the frozen clock
    assert selectors.requested_quarter("", "", today) == (2030, 2, {})
    assert selectors.requested_quarter(" 2029 ", "4", today) == (2029, 4, {})
    # Typed with a Chinese input method: the quarter's digit as the year's.
    assert selectors.requested_quarter("２０２９", "２", today) == (2029, 2, {})
    year, quarter, errors = selectors.requested_quarter("abc", "5", today)
    assert (year, quarter) == (2030, 2)  # what is shown instead: the current quarter
    assert set(errors) == {"year", "quarter"}
    assert "年份必须是 2000 到 2100 之间的整数" in errors["year"] and "abc" in errors["year"]
    assert "季度必须是 1 到 4 之间的整数" in errors["quarter"] and "5" in errors["quarter"]
    assert set(selectors.requested_quarter("1999", "0", today)[2]) == {"year", "quarter"}


def test_a_quarter_not_begun_is_named_not_shown_empty():
    """2030年第3季度 asked on 2030-05-15 gave empty lists headed as that quarter (and a
    year not begun 截至目前), read on the 公示栏 as "nobody earned anything"."""
    today = timezone.localdate()  # 2030-05-15 on the frozen clock
    year, quarter, errors = selectors.requested_quarter("2030", "3", today)
    assert (year, quarter) == (2030, 2)
    assert errors == {"quarter": "2030年第3季度还没有开始，可查看2030年第2季度及以前的排名"}
    year, quarter, errors = selectors.requested_quarter("2031", "", today)
    assert (year, quarter) == (2030, 2) and "2031年第2季度还没有开始" in errors["year"]
    # This quarter and the ones before are as asked.
    assert selectors.requested_quarter("2030", "2", today) == (2030, 2, {})
    assert selectors.requested_quarter("2029", "4", today) == (2029, 4, {})


def test_the_rankings_page_names_a_bad_quarter_and_keeps_the_year_typed(world):
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.get("/points/rankings/", {"community": world.areas["A1"].code, "year": "二〇二九", "quarter": "2"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "年份必须是 2000 到 2100 之间的整数" in body
    assert 'value="二〇二九"' in body  # what was typed stays in the field
    assert "下面是 2030 年第 2 季度的排名" in body
    ok = c.get("/points/rankings/", {"community": world.areas["A1"].code, "year": "2029", "quarter": "3"})
    assert ok.status_code == 200 and 'value="2029"' in ok.content.decode()


def test_the_public_notice_names_a_bad_quarter(world):
    r = Client().get(f"/points/notice/{world.areas['A1'].code}/", {"quarter": "9"})
    assert r.status_code == 400
    assert "季度必须是 1 到 4 之间的整数" in r.content.decode()


def test_the_rankings_api_refuses_a_period_out_of_range(world):
    c = Client()
    c.force_login(world.secretary_zhang)
    url, code = "/api/v1/points/rankings", world.areas["A1"].code
    current = c.get(url, {"community": code}).json()
    assert (current["year"], current["quarter"]) == (2030, 2)
    assert c.get(url, {"community": code, "year": 2029, "quarter": 4}).json()["quarter"] == 4
    r = c.get(url, {"community": code, "quarter": 5})
    assert r.status_code == 400  # a rule broken, as every ValidationFailed
    assert r.json()["fields"] == {"quarter": "季度必须是 1 到 4 之间的整数，您填写的是“5”"}
    r = c.get(url, {"community": code, "year": 1899})
    assert r.status_code == 400 and "year" in r.json()["fields"]


def test_the_honours_list_follows_the_register_when_party_membership_changes(world):
    from shequ.people.models import Resident

    wang = world.resident_wang
    earn(world, wang, "换灯泡")
    community = world.areas["A1"]
    year, quarter = selectors.current_quarter(timezone.localdate())

    def lists():
        able = [r.name for r in selectors.ranking(community, AccountKind.RESIDENT, year, quarter)]
        pioneers = [r.name for r in selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter)]
        return able, pioneers

    assert lists() == ([wang.resident.name], [])
    # The register now says party member (corrected in the admin): the nightly job moves
    # the account and its quarter's points to the 社区治理先锋 list, and back again.
    Resident.objects.filter(pk=wang.resident.pk).update(party_member_kind="local")
    assert services.reconcile() == []
    assert lists() == ([], [wang.resident.name])
    assert services.sync_account_kinds() == 0  # nothing left to move
    Resident.objects.filter(pk=wang.resident.pk).update(party_member_kind="")
    services.reconcile()
    assert lists() == ([wang.resident.name], [])


@override_settings(RANKING_SIZE=2)
def test_whoever_ties_with_the_last_place_is_on_the_board_at_the_same_rank(world):
    first, second, third = (world.users[f"resident@A1-{g}-h{h}"] for g, h in ((1, 1), (1, 2), (2, 1)))
    earn(world, first, "任务一")
    earn(world, first, "任务二")
    earn(world, second, "任务三")
    earn(world, third, "任务四")  # ties with second, the last of the two places
    year, quarter = selectors.current_quarter(timezone.localdate())
    able = selectors.ranking(world.areas["A1"], AccountKind.RESIDENT, year, quarter)
    assert [(r.name, r.rank) for r in able] == [
        (first.resident.name, 1),
        (second.resident.name, 2),
        (third.resident.name, 2),
    ]
    body = Client().get(f"/points/notice/{world.areas['A1'].code}/").content.decode()
    assert body.count('<li value="2">') == 2


def test_service_and_its_reversal_count_in_the_quarter_of_the_service(world, monkeypatch):
    """Service done on 31 March and entered on 1 April counted in Q2, and a Q1 record
    reversed in April stayed in Q1's list while taking the points out of Q2's."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from shequ.points.models import EarningTotal

    local = ZoneInfo(settings.TIME_ZONE)
    clock = {"now": datetime(2030, 4, 1, 9, 0, tzinfo=local)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    member = party_member(world)

    def serve(points, note, served_on=None):
        data = services.ServiceInput(
            member=member.pk, kind="errand", note=note, points=points, served_on=served_on
        )
        return services.record_service(world.secretary_zhang, data)

    late = serve(7, "代办医保续费", date(2030, 3, 31))
    clock["now"] = datetime(2030, 4, 10, 10, 0, tzinfo=local)
    twice = serve(30, "重复登记的一次", date(2030, 3, 20))
    serve(10, "看望独居老人")
    services.reverse(world.secretary_zhang, twice.transaction.pk, "重复登记")
    community = world.areas["A1"]

    def board(quarter):
        return [
            (r.name, r.points) for r in selectors.ranking(community, AccountKind.PARTY_MEMBER, 2030, quarter)
        ]

    name = world.residents["A1-1-h2-r2"].name
    assert board(1) == [(name, 7)] and board(2) == [(name, 10)]
    account = services.account_for_user(member)
    kept = dict(EarningTotal.objects.filter(account=account).values_list("period", "earned"))
    # The job that rebuilds the totals from the entries finds them as they are.
    assert services.rebuild_earnings() == 0
    assert kept == {"2030Q1": 7, "2030Q2": 10, "2030": 17}
    assert late.transaction.entries.filter(amount=7).get().at == datetime(2030, 3, 31, tzinfo=local)


def test_stars_are_the_years_and_the_api_lists_the_star_volunteers(world, settings):
    """20 points in Q1 and 20 in Q2 with thresholds 30 and 60 is one star for the year:
    the API's quarterly rows said 0 (from the quarter's 20), and no endpoint gave the
    year's star volunteers that the page and the notice show."""
    from datetime import date

    settings.STAR_THRESHOLDS = (30, 60)
    member = party_member(world)
    for served_on in (date(2030, 2, 10), date(2030, 5, 10)):  # Q1 and Q2 of the frozen year
        services.record_service(
            world.secretary_zhang,
            services.ServiceInput(
                member=member.pk, kind="care", note="看望独居老人", points=20, served_on=served_on
            ),
        )
    c = Client()
    c.force_login(world.secretary_zhang)
    body = c.get(
        "/api/v1/points/rankings", {"community": world.areas["A1"].code, "year": 2030, "quarter": 2}
    ).json()
    name = world.residents["A1-1-h2-r2"].name
    home = household_of(world.residents["A1-1-h2-r2"])
    assert body["pioneers"] == [{"rank": 1, "name": name, "points": 20, "stars": 1, "address": home}]
    assert body["stars"] == [{"rank": 1, "name": name, "points": 40, "stars": 1, "address": home}]


def test_the_public_notice_leads_to_the_quarters_before_and_not_past_this_one(world):
    """At a quarter's start the honours to announce are the last quarter's, but the board
    showed only the current, nearly empty, one with no way back."""
    earn(world, world.resident_wang, "上季度任务")  # earned in 2030 Q2 (the frozen clock)
    name = world.resident_wang.resident.name
    code = world.areas["A1"].code
    now = Client().get(f"/points/notice/{code}/").content.decode()
    assert '<a href="?year=2030&amp;quarter=1">上一季度（2030 年第 1 季度）</a>' in now
    assert "下一季度" not in now  # 2030 Q3 has not begun
    assert name[0] + "*" * (len(name) - 1) in now.split("星级志愿者")[0]
    before = Client().get(f"/points/notice/{code}/", {"year": "2030", "quarter": "1"}).content.decode()
    assert '<a href="?year=2030&amp;quarter=2">下一季度（2030 年第 2 季度）</a>' in before
    assert name[0] + "*" * (len(name) - 1) not in before.split("星级志愿者")[0]  # nothing earned in Q1
    year_start = Client().get(f"/points/notice/{code}/", {"year": "2030", "quarter": "1"}).context
    assert year_start["before"] == (2029, 4)
    first = Client().get(f"/points/notice/{code}/", {"year": "2000", "quarter": "1"}).context
    assert first["before"] is None


def _stars_either_side_of_new_year(world):
    """A party member's 40 service points in December 2030 and 王's 20 from a task in
    January 2031 (with 'now' in January 2031): their names, last year's and this year's."""
    from datetime import date

    member = party_member(world)
    services.record_service(
        world.secretary_zhang,
        services.ServiceInput(
            member=member.pk, kind="care", note="看望独居老人", points=40, served_on=date(2030, 12, 10)
        ),
    )
    earn(world, world.resident_wang, "一月任务")
    return world.residents["A1-1-h2-r2"].name, world.resident_wang.resident.name


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_the_notice_posts_last_years_final_stars_until_a_quarter_is_complete(world, monkeypatch):
    """In January the board showed only the new year's few stars: the year just ended,
    the list stars are awarded on, was a quarter back. Now Q1 posts it too, titled with
    its year, and the running year's list says it is not final."""
    import itertools
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from shequ.access.masking import mask_name

    clock = {"now": datetime(2031, 1, 15, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))}
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: clock["now"] + timedelta(seconds=next(ticks)))
    old_name, new_name = _stars_either_side_of_new_year(world)
    code = world.areas["A1"].code
    last_year = {"year": 2030, "title": "2030年度星级志愿者", "final": True}
    last_year_rows = [{"rank": 1, "name": mask_name(old_name), "points": 40, "stars": 2}]
    this_year = {"year": 2031, "title": "2031年星级志愿者（截至目前）", "final": False}
    this_year_rows = [{"rank": 1, "name": mask_name(new_name), "points": 20, "stars": 1}]

    body = Client().get(f"/points/notice/{code}/").content.decode()
    assert old_name not in body and new_name not in body
    final, running = body.split("2030年度星级志愿者")[1].split("2031年星级志愿者（截至目前）")
    assert mask_name(old_name) in final and mask_name(new_name) not in final
    assert mask_name(new_name) in running and "本年度尚未结束" in running
    api = Client().get(f"/api/v1/points/notice/{code}").json()
    assert (api["year"], api["quarter"]) == (2031, 1)
    assert api["star_lists"] == [last_year | {"stars": last_year_rows}, this_year | {"stars": this_year_rows}]
    assert api["stars"] == this_year_rows and api["stars_final"] is False

    clock["now"] = datetime(2031, 5, 15, 10, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))  # Q1 is complete
    body = Client().get(f"/points/notice/{code}/").content.decode()
    assert "2030年度星级志愿者" not in body and mask_name(old_name) not in body
    assert "2031年星级志愿者（截至目前）" in body and mask_name(new_name) in body
    api = Client().get(f"/api/v1/points/notice/{code}").json()
    assert api["star_lists"] == [this_year | {"stars": this_year_rows}]
    # The year gone by, looked up by its last quarter, is final and alone.
    api = Client().get(f"/api/v1/points/notice/{code}", {"year": 2030, "quarter": 4}).json()
    assert api["star_lists"] == [last_year | {"stars": last_year_rows}] and api["stars_final"] is True


def frozen_at(monkeypatch, *when):
    """Freeze 'now' at a local time, one second later at each call."""
    import itertools
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.conf import settings

    start = datetime(*when, tzinfo=ZoneInfo(settings.TIME_ZONE))  # type: ignore[misc]
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=next(ticks)))


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_the_staff_rankings_post_last_years_final_stars_in_a_first_quarter(world, monkeypatch):
    """In January the public board posted last year's final star volunteers, the staff
    rankings page and its JSON only the new year's few, headed as if final."""
    frozen_at(monkeypatch, 2031, 1, 15, 10, 0)
    old_name, new_name = _stars_either_side_of_new_year(world)
    c = Client()
    c.force_login(world.secretary_zhang)
    code = world.areas["A1"].code

    body = c.get("/points/rankings/", {"community": code}).content.decode()
    final, running = body.split("<h2>2030年度星级志愿者</h2>")[1].split(
        "<h2>2031年星级志愿者（截至目前）</h2>"
    )
    assert old_name in final and new_name not in final  # in full: staff
    assert new_name in running and "本年度尚未结束" in running
    api = c.get("/api/v1/points/rankings", {"community": code}).json()
    last_year = {"year": 2030, "title": "2030年度星级志愿者", "final": True}
    this_year = {"year": 2031, "title": "2031年星级志愿者（截至目前）", "final": False}
    # In full, with the household (staff): two of one name are told apart.
    old_home, new_home = (
        household_of(world.residents["A1-1-h2-r2"]),
        household_of(world.resident_wang.resident),
    )
    this_year_rows = [{"rank": 1, "name": new_name, "points": 20, "stars": 1, "address": new_home}]
    assert api["star_lists"] == [
        last_year | {"stars": [{"rank": 1, "name": old_name, "points": 40, "stars": 2, "address": old_home}]},
        this_year | {"stars": this_year_rows},
    ]
    assert api["stars"] == this_year_rows  # the year asked for, as before

    # A later quarter, once begun: the year's list alone.
    frozen_at(monkeypatch, 2031, 4, 15, 10, 0)
    c.force_login(world.secretary_zhang)  # the session of January has lapsed
    api = c.get("/api/v1/points/rankings", {"community": code, "year": 2031, "quarter": 2}).json()
    assert api["star_lists"] == [this_year | {"stars": this_year_rows}]


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_a_first_quarter_with_no_stars_last_year_posts_no_empty_heading(world, monkeypatch):
    """In a community's first year of use the January board headed an empty 上一年度 list
    (2030年度星级志愿者 · 暂无); the page, its JSON and the staff rankings now leave it out."""
    frozen_at(monkeypatch, 2031, 1, 15, 10, 0)
    wang = world.resident_wang
    earn(world, wang, "一月任务")  # 20 points in 2031, nothing in 2030
    code = world.areas["A1"].code
    this_year = {"year": 2031, "title": "2031年星级志愿者（截至目前）", "final": False}

    body = Client().get(f"/points/notice/{code}/").content.decode()
    assert "2030年度星级志愿者" not in body and "2031年星级志愿者（截至目前）" in body
    api = Client().get(f"/api/v1/points/notice/{code}").json()
    assert [x["title"] for x in api["star_lists"]] == [this_year["title"]]
    assert api["stars"] == api["star_lists"][0]["stars"] and api["stars_final"] is False
    c = Client()
    c.force_login(world.secretary_zhang)
    assert "2030年度星级志愿者" not in c.get("/points/rankings/", {"community": code}).content.decode()
    api = c.get("/api/v1/points/rankings", {"community": code}).json()
    assert [x["title"] for x in api["star_lists"]] == [this_year["title"]]

    # This year's list keeps its heading when empty: it is the one the quarter is about.
    body = Client().get(f"/points/notice/{world.areas['B1'].code}/").content.decode()
    assert "2031年星级志愿者（截至目前）" in body and "暂无" in body.split("2031年星级志愿者")[1]
