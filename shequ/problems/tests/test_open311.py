"""Open311 GeoReport v2 (/open311/v2/): 311 clients report and follow problems through
the problem list's own services and selectors, with the API's scope and masking."""

import json
import socket
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, timedelta
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.access.models import Open311Key, User
from shequ.access.services import add_open311_key, deactivate_user, revoke_open311_key, revoke_role
from shequ.problems.models import OPEN_STATUSES, Problem, ProblemCategory, Status
from shequ.problems.open311 import CLOSED_STATUSES, NO_KEY
from shequ.problems.tests.helpers import act, grid_point, jpeg, report
from shequ.testing.clients import client_for
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db
V2 = "/open311/v2"


def open311_key(user):
    """A key as an operator issues it (``shequ user open311-key add``)."""
    return add_open311_key(user, "测试客户端")[1]


def post(key, fmt="json", **fields):
    data = {"api_key": key, **fields} if key else fields
    return Client().post(f"{V2}/requests.{fmt}", data)


def xml(response):
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, not untrusted input


def errors(response):
    return [e["description"] for e in response.json()]


def test_discovery_and_services_in_json_and_xml(world):
    c = Client()  # no key needed: the catalogue is public, as the spec has it
    r = c.get(f"{V2}/discovery.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    (point,) = r.json()["endpoints"]
    assert point["url"] == "http://testserver/open311/v2"
    assert point["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert point["formats"] == ["text/xml", "application/json"]
    r = c.get(f"{V2}/discovery.xml")
    assert r["Content-Type"] == "text/xml; charset=utf-8"
    root = xml(r)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]

    drain = ProblemCategory.objects.get(code="blocked_drain")
    services = c.get(f"{V2}/services.json").json()
    assert len(services) == ProblemCategory.objects.filter(active=True).count()
    row = next(s for s in services if s["service_code"] == "blocked_drain")
    assert row["service_name"] == drain.name == "管道堵塞"
    assert row["metadata"] is False and row["type"] == "realtime"
    assert row["group"] == "物业管理" and "管道堵塞" in row["keywords"]
    assert row["description"].startswith("管道堵塞：默认由社区处置")
    root = xml(c.get(f"{V2}/services.xml"))
    node = next(s for s in root.findall("service") if s.findtext("service_code") == "blocked_drain")
    assert node.findtext("service_name") == "管道堵塞" and node.findtext("metadata") == "false"
    assert node.findtext("group") == "物业管理"

    assert c.get(f"{V2}/services/blocked_drain.json").json() == {
        "service_code": "blocked_drain",
        "attributes": [],
    }
    root = xml(c.get(f"{V2}/services/blocked_drain.xml"))
    assert root.tag == "service_definition" and root.find("attributes") is not None
    r = c.get(f"{V2}/services/nope.json")
    assert r.status_code == 404 and r.json() == [
        {"code": 404, "description": "service_code：没有这个问题类别"}
    ]
    r = c.get(f"{V2}/services.html")
    assert r.status_code == 404 and xml(r).findtext("error/code") == "404"


def test_a_residents_report_with_lat_long_lands_in_its_grid_and_the_api_lists_it(world):
    lon, lat = grid_point(world, "A1-1")
    key = open311_key(world.resident_wang)
    r = Client().post(
        f"{V2}/requests.json",
        {
            "api_key": key,
            "service_code": "blocked_drain",
            "lat": str(lat),
            "long": str(lon),
            "description": "楼道下水管堵塞，污水外溢",
            "first_name": "王",
            "email": "wang@example.com",
            "media": jpeg(),
        },
    )
    assert r.status_code == 200, r.content
    (answer,) = r.json()
    p = Problem.objects.latest("pk")
    assert answer == {
        "service_request_id": p.number,
        "service_notice": f"已上报，编号 {p.number}，处理进展可按编号查询。",
        "account_id": None,
    }
    assert p.reporter == world.resident_wang and p.source == "resident"
    assert p.category.code == "blocked_drain" and p.area == world.areas["A1-1"] and p.located
    assert p.photos.count() == 1
    listed = client_for(world.secretary_zhang).get("/api/v1/problems/").json()["items"]
    assert p.pk in {row["id"] for row in listed}
    # Answered in XML too, with the spec's names.
    r = post(key, "xml", service_code="blocked_drain", lat=lat, long=lon, description="路灯不亮，晚上看不见")
    root = xml(r)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == Problem.objects.latest("pk").number
    assert root.find("request/account_id").text is None


def test_a_report_by_address_goes_to_the_reporters_community(world):
    r = post(
        open311_key(world.resident_wang),
        service_code="blocked_drain",
        address_string="3栋2单元门口",
        description="下水道堵了",
    )
    assert r.status_code == 200, r.content
    p = Problem.objects.get(pk=Problem.objects.latest("pk").pk)
    assert p.number == r.json()[0]["service_request_id"]
    assert p.area == world.areas["A1"] and not p.located and p.address == "3栋2单元门口"


def test_refusals_name_the_field_and_the_reason(world):
    lon, lat = grid_point(world, "A1-1")
    key = open311_key(world.resident_wang)
    fields = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"}
    before = Problem.objects.count()
    r = post("", **fields)
    assert r.status_code == 403 and errors(r) == [NO_KEY]
    assert NO_KEY.startswith("api_key：")
    assert post("not-a-token", **fields).status_code == 403
    r = post(key, "xml", **fields | {"service_code": "nope"})
    assert r.status_code == 404
    assert xml(r).findtext("error/description") == "service_code：没有这个问题类别"
    r = post(key, **fields | {"service_code": ""})
    assert r.status_code == 400 and errors(r) == ["service_code：必填"]
    r = post(key, **fields | {"description": ""})
    assert r.status_code == 400 and errors(r) == ["description：请描述问题（至少4个字）"]
    r = post(key, **fields | {"lat": "north"})
    assert r.status_code == 400 and errors(r) == ["lat：必须是数字（WGS84 经纬度）"]
    r = post(key, **fields | {"media": SimpleUploadedFile("x.txt", b"MZ\x90\x00 not an image")})
    assert r.status_code == 400
    (why,) = errors(r)
    assert why.startswith("media：第 1 张照片（x.txt）") and "图片" in why
    r = post(key, service_code="blocked_drain", description="下水道堵了")  # no place at all
    assert r.status_code == 200  # a resident's community takes it (the report service's rule)
    before += 1
    r = post(
        open311_key(world.street_chen),
        service_code="blocked_drain",
        address_string="某路口",
        description="下水道堵了",
    )
    assert r.status_code == 400  # no community to take an address alone: said in Open311's words
    assert errors(r) == [
        "lat：请提供 lat 和 long；只给 address_string 时，问题交由账号所在社区分派，而此账号没有所在社区"
    ]
    r = post(open311_key(world.users["partner_unit@A1"]), **fields)
    assert r.status_code == 400 and errors(r)[0].startswith("lat：")
    assert Problem.objects.count() == before


def test_a_session_cookie_without_api_key_is_refused(world):
    lon, lat = grid_point(world, "A1-1")
    signed_in = client_for(world.resident_wang)
    before = Problem.objects.count()
    r = signed_in.post(
        f"{V2}/requests.json",
        {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"},
    )
    assert r.status_code == 403 and errors(r)[0].startswith("api_key：")
    assert Problem.objects.count() == before
    report(world)
    assert client_for(world.secretary_zhang).get(f"{V2}/requests.json").status_code == 403


def test_a_revoked_key_and_a_disabled_users_key_are_refused(world):
    lon, lat = grid_point(world, "A1-1")
    fields = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"}
    row, key = add_open311_key(world.resident_wang, "区12345平台对接")
    assert post(key, **fields).status_code == 200
    revoke_open311_key(row.pk)
    before = Problem.objects.count()
    for r in (post(key, **fields), Client().get(f"{V2}/requests.json", {"api_key": key})):
        assert r.status_code == 403 and errors(r) == [NO_KEY]
    assert Problem.objects.count() == before

    staff = open311_key(world.grid_worker_li)
    assert Client().get(f"{V2}/requests.json", {"api_key": staff}).status_code == 200
    deactivate_user(User.objects.get(pk=world.grid_worker_li.pk))  # the world's own stays active
    r = Client().get(f"{V2}/requests.xml", {"api_key": staff})
    assert r.status_code == 403 and xml(r).findtext("error/description") == NO_KEY


def test_a_key_acts_with_its_accounts_roles_as_they_are_now(world):
    lon, lat = grid_point(world, "A1-1")
    fields = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"}
    p = report(world)
    staff = open311_key(world.grid_worker_li)
    listed = Client().get(f"{V2}/requests.json", {"api_key": staff}).json()
    assert p.number in {x["service_request_id"] for x in listed}
    revoke_role(User.objects.get(pk=world.grid_worker_li.pk), "grid_worker", world.areas["A1-1"].code)
    listed = Client().get(f"{V2}/requests.json", {"api_key": staff}).json()
    assert p.number not in {x["service_request_id"] for x in listed}

    key = open311_key(world.resident_wang)
    assert post(key, **fields).status_code == 200
    revoke_role(User.objects.get(pk=world.resident_wang.pk), "resident", world.households["A1-1-h1"].code)
    before = Problem.objects.count()
    r = post(key, **fields)
    assert r.status_code == 400 and errors(r) == ["lat：只能上报您所在社区或管辖范围内的问题"]
    assert Problem.objects.count() == before


def test_an_api_token_is_no_api_key_and_a_key_is_no_api_token(world):
    lon, lat = grid_point(world, "A1-1")
    api = (
        Client()
        .post(
            "/api/v1/auth/token",
            json.dumps({"username": world.grid_worker_li.username, "password": PASSWORD}),
            content_type="application/json",
        )
        .json()["token"]
    )
    assert Client().get("/api/v1/problems/", HTTP_AUTHORIZATION=f"Bearer {api}").status_code == 200
    r = Client().get(f"{V2}/requests.json", {"api_key": api})
    assert r.status_code == 403 and errors(r) == [NO_KEY]
    r = post(api, service_code="blocked_drain", lat=lat, long=lon, description="下水道堵了")
    assert r.status_code == 403 and errors(r) == [NO_KEY]

    key = open311_key(world.grid_worker_li)
    assert Client().get(f"{V2}/requests.json", {"api_key": key}).status_code == 200
    assert Client().get("/api/v1/problems/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_keys_last_use_is_written_at_most_once_a_minute(world):
    row, key = add_open311_key(world.grid_worker_li, "区12345平台对接")
    assert row.last_used_at is None
    Client().get(f"{V2}/requests.json", {"api_key": key})
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None
    Client().get(f"{V2}/requests.json", {"api_key": key})
    row.refresh_from_db()
    assert row.last_used_at == first
    Open311Key.objects.filter(pk=row.pk).update(last_used_at=first - timedelta(minutes=2))
    Client().get(f"{V2}/requests.json", {"api_key": key})
    row.refresh_from_db()
    assert row.last_used_at >= first


def test_media_url_is_never_fetched(world, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a request went out to an address a client gave")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    lon, lat = grid_point(world, "A1-1")
    r = post(
        open311_key(world.resident_wang),
        service_code="blocked_drain",
        lat=lat,
        long=lon,
        description="下水道堵了",
        media_url="http://169.254.169.254/latest/meta-data/",
    )
    assert r.status_code == 200
    assert "media_url 未读取" in r.json()[0]["service_notice"]
    assert Problem.objects.latest("pk").photos.count() == 0


def test_the_list_is_scoped_masked_and_tells_no_reporter(world):
    phone = world.full_values[world.residents["A1-1-h2-r1"].pk][1]
    p = report(world, description=f"下水道堵了，联系邻居 {phone}")
    colleague = open311_key(world.grid_worker_li)
    r = Client().get(f"{V2}/requests.json", {"api_key": colleague})
    assert r.status_code == 200
    row = next(x for x in r.json() if x["service_request_id"] == p.number)
    assert phone not in r.content.decode() and f"{phone[:3]}****{phone[-4:]}" in row["description"]
    assert world.resident_wang.username not in r.content.decode()
    assert str(world.resident_wang) not in r.content.decode()
    assert row["status"] == "open" and row["status_notes"] == "已上报"
    assert row["service_code"] == "blocked_drain" and row["service_name"] == "管道堵塞"
    assert row["agency_responsible"] == "社区 · 社区工作人员"
    assert row["address"] == world.areas["A1-1"].name
    assert (row["lat"], row["long"]) == (p.lat, p.lon)
    assert row["requested_datetime"] == timezone.localtime(p.reported_at).isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+08:00") and row["expected_datetime"] is None
    assert row["media_url"] is None
    # The same rows GET /api/v1/problems/ gives the account.
    api = client_for(world.grid_worker_li).get("/api/v1/problems/").json()["items"]
    assert {x["service_request_id"] for x in r.json()} == {x["number"] for x in api}
    r = Client().get(f"{V2}/requests/{p.number}.json", {"api_key": colleague})
    assert r.status_code == 200 and r.json()[0]["description"] == row["description"]
    # Another community's staff: not listed, and the same 404 as a missing one.
    outsider = open311_key(world.outsider_zhao)
    assert p.number not in Client().get(f"{V2}/requests.json", {"api_key": outsider}).content.decode()
    for number in (p.number, f"{p.number[:8]}{10**8:06d}"):
        r = Client().get(f"{V2}/requests/{number}.xml", {"api_key": outsider})
        assert r.status_code == 404
        assert xml(r).findtext("error/description") == "service_request_id：问题不存在或无权查看"
    # The reporter opens their own (GET /api/v1/problems/{id}'s rule), in full.
    r = Client().get(f"{V2}/requests/{p.number}.json", {"api_key": open311_key(world.resident_wang)})
    assert r.status_code == 200 and phone in r.json()[0]["description"]
    assert (
        Client().get(f"{V2}/requests/{p.pk}.json", {"api_key": colleague}).status_code == 404
    )  # 编号, not id


def test_every_status_is_open_or_closed(world):
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(Status.values)
    assert set(CLOSED_STATUSES) == {Status.REJECTED, Status.MERGED, Status.CLOSED, Status.EVALUATED}
    staff = world.secretary_zhang
    kept, rejected, merged = report(world), report(world), report(world)
    act(world, staff, kept, "accept")
    act(world, staff, rejected, "reject", note="不属于本社区")
    act(world, staff, merged, "merge", into=kept.pk)
    key = open311_key(world.grid_worker_li)
    numbers = ",".join(p.number for p in (kept, rejected, merged))
    rows = Client().get(f"{V2}/requests.json", {"api_key": key, "service_request_id": numbers}).json()
    got = {r["service_request_id"]: (r["status"], r["status_notes"]) for r in rows}
    assert got == {
        kept.number: ("open", "已立案"),
        rejected.number: ("closed", "不予立案"),
        merged.number: ("closed", "已合并"),
    }
    closed = Client().get(f"{V2}/requests.json", {"api_key": key, "status": "closed"}).json()
    opened = Client().get(f"{V2}/requests.json", {"api_key": key, "status": "open"}).json()
    assert {rejected.number, merged.number} <= {r["service_request_id"] for r in closed}
    assert all(r["status"] == "closed" for r in closed) and all(r["status"] == "open" for r in opened)
    assert kept.number in {r["service_request_id"] for r in opened}
    r = Client().get(f"{V2}/requests.json", {"api_key": key, "status": "done"})
    assert r.status_code == 400 and errors(r) == ["status：只能是 open 或 closed"]


def test_filters_and_w3c_dates(world):
    p = report(world)
    other = report(world, category="garbage")
    key = open311_key(world.grid_worker_li)

    def numbers(**query):
        r = Client().get(f"{V2}/requests.json", {"api_key": key, **query})
        assert r.status_code == 200, r.content
        return {row["service_request_id"] for row in r.json()}

    now = timezone.localtime()
    assert {p.number, other.number} <= numbers()
    assert p.number in numbers(service_code="blocked_drain") and other.number not in numbers(
        service_code="blocked_drain"
    )
    assert {p.number, other.number} <= numbers(service_code="blocked_drain,garbage")
    utc = (now - timedelta(hours=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert p.number in numbers(start_date=utc)
    assert p.number in numbers(start_date=(now - timedelta(days=1)).isoformat(timespec="seconds"))
    # "+08:00" sent unencoded arrives as " 08:00".
    assert p.number not in numbers(
        start_date=(now + timedelta(hours=1)).isoformat(timespec="seconds").replace("+", " ")
    )
    assert p.number not in numbers(end_date=(now - timedelta(days=1)).date().isoformat())
    # An end_date that is a date alone includes that day.
    assert p.number in numbers(end_date=now.date().isoformat())
    assert p.number in numbers(end_date=(now + timedelta(days=1)).date().isoformat())
    # service_request_id overrides every other argument.
    assert numbers(service_request_id=p.number, service_code="garbage") == {p.number}
    q = {"api_key": key}
    r = Client().get(f"{V2}/requests.json", q | {"start_date": "yesterday", "end_date": "2026-13-01"})
    assert r.status_code == 400
    assert [e.split("：")[0] for e in errors(r)] == ["start_date", "end_date"]
    assert errors(r)[0] == "start_date：必须是 W3C 日期时间，如 2026-11-22T09:30:00+08:00"
    r = Client().get(f"{V2}/requests.json", q | {"start_date": "2026-01-01", "end_date": "2026-06-01"})
    assert r.status_code == 400 and errors(r) == ["end_date：与 start_date 相隔不能超过 90 天"]
    r = Client().get(f"{V2}/requests.json", q | {"start_date": "2026-06-01", "end_date": "2026-05-01"})
    assert r.status_code == 400 and errors(r) == ["start_date：不能晚于 end_date"]
    r = Client().get(f"{V2}/requests.json", q | {"service_code": "nope"})
    assert r.status_code == 400 and errors(r) == ["service_code：没有这个问题类别（nope）"]
    r = Client().get(f"{V2}/requests.json", q | {"page": "11"})
    assert r.status_code == 400 and errors(r) == ["page：必须是 1 到 10 的整数"]
    assert numbers(page="2") == set()


def test_the_list_in_xml_and_its_queries_do_not_grow_with_its_rows(world):
    key = open311_key(world.grid_worker_li)
    report(world, photos=[jpeg()])

    def read():
        with CaptureQueriesContext(connection) as queries:
            r = Client().get(f"{V2}/requests.xml", {"api_key": key})
        assert r.status_code == 200
        return xml(r), len(queries)

    read()  # the key's first use writes its last_used_at; at most once a minute after
    root, few = read()
    for _ in range(4):
        report(world, photos=[jpeg()])
    root, many = read()
    assert many == few
    assert root.tag == "service_requests" and len(root.findall("request")) >= 5
    first = root.find("request")
    assert [child.tag for child in first][:3] == ["service_request_id", "status", "status_notes"]
    assert first.findtext("media_url").startswith("http://testserver/open311/v2/media/")


def test_a_client_fetches_its_media_url_with_its_key(world):
    """The photo page takes a signed-in session or an API token, neither of which a 311
    client has: media_url is served by the client's own api_key, to those who may open
    the problem."""
    problem = report(world, photos=[jpeg()])
    key = open311_key(world.grid_worker_li)
    row = Client().get(f"{V2}/requests/{problem.number}.json", {"api_key": key}).json()[0]
    url = row["media_url"].removeprefix("http://testserver")
    assert "api_key" not in url
    r = Client().get(url, {"api_key": key})
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r.getvalue()[:2] == b"\xff\xd8"
    r = Client().get(url)
    assert r.status_code == 403 and xml(r).findtext("error/description").startswith("api_key：")
    r = Client().get(url, {"api_key": open311_key(world.outsider_zhao)})
    assert r.status_code == 404 and xml(r).findtext("error/description") == "media：照片不存在或无权查看"


def test_a_retried_report_with_its_idempotency_key_is_one_problem(world):
    lon, lat = grid_point(world, "A1-1")
    key = open311_key(world.resident_wang)
    sent = {
        "api_key": key,
        "service_code": "blocked_drain",
        "lat": lat,
        "long": lon,
        "description": "下水道堵了",
    }
    first = Client().post(f"{V2}/requests.json", sent, headers={"Idempotency-Key": "open311-retry-1"})
    before = Problem.objects.count()
    again = Client().post(f"{V2}/requests.json", sent, headers={"Idempotency-Key": "open311-retry-1"})
    assert again.status_code == 200 and Problem.objects.count() == before
    number = first.json()[0]["service_request_id"]
    assert again.json()[0]["service_request_id"] == number
    # The key sent again with another problem: said as to a client, which has no 提交 to press.
    other = sent | {"description": "路灯不亮了"}
    r = Client().post(f"{V2}/requests.json", other, headers={"Idempotency-Key": "open311-retry-1"})
    assert r.status_code == 400 and errors(r) == [
        f"Idempotency-Key：这个 Idempotency-Key 已用于问题 {number}，这次的内容与那次不同，"
        "没有上报；上报新问题请换一个 Idempotency-Key"
    ]
    assert Problem.objects.count() == before


def test_refusals_before_the_view_come_in_the_open311_shape(world, settings):
    """A body too large is refused by Django before any view: it came back as an HTML
    page, which a 311 client cannot read."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    lon, lat = grid_point(world, "A1-1")
    sent = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "堵" * 1000}
    r = post(open311_key(world.resident_wang), **sent)
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert "提交的文字内容太多" in errors(r)[0]
    r = post(open311_key(world.resident_wang), fmt="xml", **sent)
    assert r.status_code == 400 and xml(r).tag == "errors"
    assert "提交的文字内容太多" in xml(r).findtext("error/description")


def test_a_post_takes_its_api_key_from_the_body_only(world):
    """Keys in a URL end up in access logs; the spec sends a POST's in its body."""
    lon, lat = grid_point(world, "A1-1")
    key = open311_key(world.resident_wang)
    sent = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"}
    before = Problem.objects.count()
    r = Client().post(f"{V2}/requests.json?api_key={key}", sent)
    assert r.status_code == 403 and errors(r)[0].startswith("api_key：")
    assert Problem.objects.count() == before


@pytest.mark.parametrize("raw", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_a_date_at_the_calendars_edge_is_named(world, raw):
    r = Client().get(f"{V2}/requests.json", {"api_key": open311_key(world.grid_worker_li), "start_date": raw})
    assert r.status_code == 400 and errors(r) == ["start_date：日期超出范围（2000 年到 2100 年）"]


def test_a_retry_after_its_category_is_retired_gets_the_first_problem(world):
    lon, lat = grid_point(world, "A1-1")
    sent = {
        "api_key": open311_key(world.resident_wang),
        "service_code": "blocked_drain",
        "lat": lat,
        "long": lon,
        "description": "下水道堵了",
    }
    first = Client().post(f"{V2}/requests.json", sent, headers={"Idempotency-Key": "o311-retired-1"})
    assert first.status_code == 200
    ProblemCategory.objects.filter(code="blocked_drain").update(active=False)
    try:
        again = Client().post(f"{V2}/requests.json", sent, headers={"Idempotency-Key": "o311-retired-1"})
        assert again.status_code == 200
        assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
        # A new report of the retired category is the spec's 404.
        new = Client().post(f"{V2}/requests.json", sent, headers={"Idempotency-Key": "o311-retired-2"})
        assert new.status_code == 404 and errors(new) == ["service_code：没有这个问题类别"]
    finally:
        ProblemCategory.objects.filter(code="blocked_drain").update(active=True)


def test_an_unknown_address_or_method_is_refused_in_the_open311_shape(world):
    """A 311 client reads the errors array: an address that names no method came back as
    the site's HTML 404 page, and a verb a method does not take as an empty 405."""
    c = Client()
    r = c.get(f"{V2}/request.json")  # "requests", misspelt
    assert r.status_code == 404 and r["Content-Type"] == "application/json; charset=utf-8"
    assert errors(r) == [
        f"接口 {V2}/request.json 不存在（Open311 GeoReport v2 的方法见 discovery.json 或 discovery.xml）"
    ]
    r = c.get(f"{V2}/services/blocked_drain/attributes.xml")
    assert r.status_code == 404 and xml(r).findtext("error/code") == "404"
    r = c.put(f"{V2}/requests.json")
    assert r.status_code == 405 and r["Allow"] == "GET, POST"
    assert errors(r) == ["PUT：该地址不接受此请求方法，可用：GET, POST"]
    r = c.post(f"{V2}/services.xml")
    assert r.status_code == 405 and xml(r).findtext("error/description").startswith("POST：")
    # The views' own refusals are left as they are.
    r = c.get(f"{V2}/services/nope.json")
    assert r.status_code == 404 and errors(r) == ["service_code：没有这个问题类别"]


def test_a_report_sent_as_json_is_told_to_come_as_a_form(world):
    """The spec's POST is form-encoded. A JSON body's api_key was never read, and the
    client was told its key was missing or revoked."""
    lon, lat = grid_point(world, "A1-1")
    sent = {
        "api_key": open311_key(world.resident_wang),
        "service_code": "blocked_drain",
        "lat": lat,
        "long": lon,
        "description": "下水道堵了",
    }
    before = Problem.objects.count()
    r = Client().post(f"{V2}/requests.json", json.dumps(sent), content_type="application/json")
    assert r.status_code == 415
    assert errors(r) == [
        "Content-Type：请以表单提交（application/x-www-form-urlencoded，带照片时 multipart/form-data），"
        "收到的是 application/json；api_key 等字段都放在表单中"
    ]
    r = Client().post(f"{V2}/requests.xml", json.dumps(sent), content_type="application/json")
    assert r.status_code == 415 and xml(r).findtext("error/description").startswith("Content-Type：")
    assert Problem.objects.count() == before
    # A form, urlencoded as the spec sends it, is taken.
    r = Client().post(
        f"{V2}/requests.json", urlencode(sent), content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 200 and Problem.objects.count() == before + 1


def test_a_photo_under_another_name_than_media_is_named_not_dropped(world):
    lon, lat = grid_point(world, "A1-1")
    key = open311_key(world.resident_wang)
    sent = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"}
    before = Problem.objects.count()
    r = post(key, **sent, **{"media[]": jpeg(), "photo": jpeg()})
    assert r.status_code == 400
    assert errors(r) == [
        "media[]：照片请作为 media 文件上传，本次未上报",
        "photo：照片请作为 media 文件上传，本次未上报",
    ]
    assert Problem.objects.count() == before
    r = post(key, **sent, media=jpeg())
    assert r.status_code == 200 and Problem.objects.latest("pk").photos.count() == 1


def test_a_list_parameter_sent_repeated_is_read_whole_and_a_single_one_named(world):
    """Many HTTP libraries write an array as the parameter repeated: the last value alone
    was read, and a client asking for two categories got one without a word."""
    drain, rubbish = report(world), report(world, category="garbage")
    key = open311_key(world.grid_worker_li)
    r = Client().get(f"{V2}/requests.json?service_code=blocked_drain&service_code=garbage&api_key={key}")
    assert r.status_code == 200
    assert {drain.number, rubbish.number} <= {row["service_request_id"] for row in r.json()}
    r = Client().get(
        f"{V2}/requests.json?service_request_id={drain.number}&service_request_id={rubbish.number}&api_key={key}"
    )
    assert {row["service_request_id"] for row in r.json()} == {drain.number, rubbish.number}
    r = Client().get(f"{V2}/requests.json?start_date=2026-11-01&start_date=2026-11-20&api_key={key}")
    assert r.status_code == 400 and errors(r) == ["start_date：只能给一个值（收到 2 个）"]
