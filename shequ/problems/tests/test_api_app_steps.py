"""What a phone app needs to do what the pages do: whose a problem is, a handler's 待办,
the duplicates nearby that a resident may follow."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.problems.tests.helpers import act, grid_point, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def dispatched(world, **kw):
    staff = world.users["community_staff@A1"]
    problem = report(world, category="garbage", description="垃圾三天没有清运", **kw)
    act(world, staff, problem, "accept")
    act(world, staff, problem, "dispatch", responsible_party="物业 王师傅 13912345678")
    return problem


def test_the_detail_names_the_responsible_party_and_the_assignee_as_the_page_does(world):
    """The page shows 责任单位 and 承办人; the API had neither, so a handler's app could
    not tell whose a problem was."""
    problem = dispatched(world)
    handler = world.grid_worker_li  # garbage is the grid's: its grid worker has it
    mine = client_for(handler).get(f"/api/v1/problems/{problem.pk}").json()
    assert mine["assignee"] == str(handler) and mine["assigned_to_me"] is True
    # A phone typed into 责任单位 is masked, as on the page.
    assert mine["responsible_party"] == "物业 王师傅 139****5678"
    reporter = client_for(world.resident_wang).get(f"/api/v1/problems/{problem.pk}").json()
    assert reporter["assignee"] == str(handler) and reporter["assigned_to_me"] is False
    assert "13912345678" not in json.dumps(reporter)
    fresh = report(world, description="楼道灯不亮已经一周")
    body = client_for(world.resident_wang).get(f"/api/v1/problems/{fresh.pk}").json()
    assert body["assignee"] is None and body["responsible_party"] == "" and body["assigned_to_me"] is False


def test_a_handler_lists_their_inbox(world):
    """待办 (/problems/inbox/) had no API: a grid worker's app could not list the problems
    waiting on them."""
    problem = dispatched(world)
    other = report(world, category="garbage", description="另一处垃圾没有清运")  # not dispatched
    handler = client_for(world.grid_worker_li)
    body = handler.get("/api/v1/problems/", {"inbox": "true"}).json()
    ids = [i["id"] for i in body["items"]]
    assert problem.pk in ids and other.pk not in ids and body["count"] == len(ids)
    # The same rows as the page, in its order (soonest due first).
    from shequ.problems.selectors import inbox

    assert ids == [p.pk for p in inbox(world.grid_worker_li)][:50]
    # The board's filters narrow it.
    assert handler.get("/api/v1/problems/", {"inbox": "true", "category": "blocked_drain"}).json()[
        "items"
    ] == [i for i in body["items"] if i["category"] == "blocked_drain"]
    # Not a handler: nothing waits on them.
    assert client_for(world.resident_wang).get("/api/v1/problems/", {"inbox": "true"}).json()["count"] == 0
    r = handler.get("/api/v1/problems/", {"inbox": "true", "mine": "true"})
    assert r.status_code == 400 and "inbox" in r.json()["fields"]


def test_the_inbox_list_reads_a_fixed_number_of_queries(world):
    handler = client_for(world.grid_worker_li)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert handler.get("/api/v1/problems/", {"inbox": "true"}).status_code == 200
        counts.append(len(queries))
        dispatched(world)
    assert counts[0] == counts[1]


def test_a_resident_finds_the_duplicates_nearby_and_follows_one(world):
    """POST /problems/{id}/follow took a problem the duplicate check shows, but the API had
    no duplicate check: an app could not learn which problem to follow."""
    public = report(world)
    channel = report(world, source="opinion_channel")  # about a person: never followable
    own = report(world, world.user("resident@A1-1-h2"), description="下水道又堵住了")
    neighbour = client_for(world.user("resident@A1-1-h2"))
    lon, lat = grid_point(world)
    here = {"category": "blocked_drain", "lon": lon, "lat": lat}
    body = neighbour.get("/api/v1/problems/nearby", here).json()
    rows = {i["id"]: i for i in body["items"]}
    # What the page's hint lists for them, as it offers it.
    page = neighbour.get("/problems/nearby/", here).content.decode()
    assert set(rows) == {public.pk, own.pk} and body["count"] == 2
    assert all(rows[pk]["number"] in page for pk in rows) and channel.number not in page
    assert rows[public.pk]["can_open"] is False and rows[public.pk]["can_follow"] is True
    assert rows[own.pk]["can_open"] is True and rows[own.pk]["can_follow"] is False
    assert set(rows[public.pk]) == {
        "id", "number", "category", "category_name", "status", "status_label", "reported_at",
        "can_open", "can_follow",
    }  # fmt: skip
    followed = neighbour.post(
        f"/api/v1/problems/{public.pk}/follow", {"lon": lon, "lat": lat}, content_type="application/json"
    )
    assert followed.status_code == 200
    again = {i["id"]: i for i in neighbour.get("/api/v1/problems/nearby", here).json()["items"]}
    assert again[public.pk]["can_open"] is True and again[public.pk]["can_follow"] is False
    # Its writer and the staff over it see the 民意直通车 report among them, to open.
    for who in (world.resident_wang, world.secretary_zhang):
        seen = {i["id"]: i for i in client_for(who).get("/api/v1/problems/nearby", here).json()["items"]}
        assert seen[channel.pk]["can_open"] is True and seen[channel.pk]["can_follow"] is False
    # Another community's resident, and a role with nothing to do with problems, see none.
    for key in ("resident@A2-1-h1", "auditor@A", "partner_unit@A1"):
        assert client_for(world.user(key)).get("/api/v1/problems/nearby", here).json()["count"] == 0, key


def test_the_nearby_check_names_a_bad_category_or_point(world):
    api = client_for(world.resident_wang)
    lon, lat = grid_point(world)
    r = api.get("/api/v1/problems/nearby", {"category": "garbge", "lon": lon, "lat": lat})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"category"}
    for bad in ("inf", "nan", "95"):
        r = api.get("/api/v1/problems/nearby", {"category": "garbage", "lon": lon, "lat": bad})
        assert r.status_code == 400 and "WGS84" in r.json()["fields"]["lat"], bad
    r = api.get("/api/v1/problems/nearby", {"category": "garbage", "lon": "east", "lat": lat})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"lon"}


def test_a_bad_longitude_is_named_as_the_longitude(world):
    """lon=inf was reported under ``lat``, so an app marked the latitude wrong."""
    api = client_for(world.resident_wang)
    lon, lat = grid_point(world)
    for bad in ("inf", "nan", "181"):
        r = api.get("/api/v1/problems/nearby", {"category": "garbage", "lon": bad, "lat": lat})
        assert r.status_code == 400 and r.json()["fields"] == {
            "lon": "坐标必须是 WGS84 经纬度：经度在 -180 到 180 之间"
        }
    r = api.get("/api/v1/problems/nearby", {"category": "garbage", "lon": "inf", "lat": "95"})
    assert set(r.json()["fields"]) == {"lon", "lat"}
    body = f'{{"category": "garbage", "description": "垃圾没人清", "lon": 1e400, "lat": {lat}}}'
    r = api.post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 400 and "经度" in r.json()["fields"]["lon"] and "lat" not in r.json()["fields"]
    page = api.post(
        "/problems/new/", {"category": "garbage", "description": "垃圾没人清", "lon": "inf", "lat": lat}
    )
    assert page.status_code == 400 and "经度在 -180 到 180 之间" in page.content.decode()
    p = report(world)
    r = api.post(
        f"/api/v1/problems/{p.pk}/follow", f'{{"lon": 1e400, "lat": {lat}}}', content_type="application/json"
    )
    assert r.status_code == 400 and set(r.json()["fields"]) == {"lon"}
    r = api.post(
        f"/api/v1/problems/{p.pk}/follow", f'{{"lon": {lon}, "lat": -1e400}}', content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["fields"] == {
        "lat": "坐标必须是 WGS84 经纬度：纬度在 -90 到 90 之间"
    }


def test_before_id_pages_the_newest_first_list_without_repeating_a_problem(world):
    """Offset paging repeats an item when a problem is reported between two pages: the
    newest-first lists take the last id a client got as a cursor."""
    from shequ.problems.models import Problem

    first, second, third = (report(world, description=f"第{n}处下水道堵塞") for n in (1, 2, 3))
    # Two reported in the same instant are ordered by id, and the cursor keeps that order.
    Problem.objects.filter(pk=third.pk).update(reported_at=second.reported_at)
    staff = client_for(world.secretary_zhang)
    area = {"area": world.areas["A1-1"].code}
    listed = [i["id"] for i in staff.get("/api/v1/problems/", area).json()["items"]]
    assert listed.index(third.pk) < listed.index(second.pk) < listed.index(first.pk)
    cut = listed.index(third.pk)
    rest = staff.get("/api/v1/problems/", {**area, "before_id": third.pk}).json()
    assert [i["id"] for i in rest["items"]] == listed[cut + 1 :] and rest["count"] == len(listed) - cut - 1
    report(world, description="翻页时新上报的问题")  # arrives between two pages
    again = staff.get("/api/v1/problems/", {**area, "before_id": third.pk}).json()
    assert [i["id"] for i in again["items"]] == listed[cut + 1 :]
    # 我的问题 too; the filters still apply.
    mine = client_for(world.resident_wang).get("/api/v1/problems/", {"mine": "true", "before_id": second.pk})
    assert first.pk in [i["id"] for i in mine.json()["items"]]
    assert second.pk not in [i["id"] for i in mine.json()["items"]]
    closed = staff.get("/api/v1/problems/", {**area, "before_id": third.pk, "status": "closed"}).json()
    assert all(i["status"] == "closed" for i in closed["items"])


def test_a_cursor_the_caller_may_not_see_or_on_the_inbox_is_named(world):
    elsewhere = report(world, world.user("resident@B2-2-h2"), key="B2-2")
    staff = client_for(world.secretary_zhang)
    for cursor in (elsewhere.pk, 10**20, -1):
        r = staff.get("/api/v1/problems/", {"before_id": cursor})
        assert r.status_code == 400 and set(r.json()["fields"]) == {"before_id"}, cursor
    mine = report(world)
    r = client_for(world.grid_worker_li).get("/api/v1/problems/", {"inbox": "true", "before_id": mine.pk})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"before_id"}
