import json
import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def chen(world):
    client = Client()
    r = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": world.street_chen.username, "password": PASSWORD}),
        content_type="application/json",
    )
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {r.json()['token']}"
    return client


def test_area_filters_kind_parent_within(world, chen):
    a1, a = world.areas["A1"], world.areas["A"]
    grids = chen.get("/api/v1/areas/", {"kind": "grid"}).json()
    assert {g["code"] for g in grids["items"]} == {
        world.areas[k].code for k in ("A1-1", "A1-2", "A2-1", "A2-2")
    }
    children = chen.get("/api/v1/areas/", {"parent": a1.code}).json()["items"]
    assert [c["code"] for c in children] == [world.areas["A1-1"].code, world.areas["A1-2"].code]
    within = chen.get("/api/v1/areas/", {"within": a1.code}).json()
    assert within["count"] == 4 and a1.code not in {i["code"] for i in within["items"]}
    assert all(i["path"].startswith(a1.path) for i in within["items"])
    # A code that names no area is said so, not answered with an empty list.
    r = chen.get("/api/v1/areas/", {"within": "999", "parent": "370103003999"})
    assert r.status_code == 400 and r.json()["fields"] == {
        "parent": "区域编码 370103003999 不存在",
        "within": "区域编码 999 不存在",
    }
    detail = chen.get(f"/api/v1/areas/{world.areas['A1-1'].code}").json()
    assert detail["parent"] == a1.code and detail["geometry"]["type"] == "Polygon"
    assert detail["kind_label"] == "网格"
    assert chen.get(f"/api/v1/areas/{a.code}").json()["parent"] is None


def test_resident_list_filters_by_area_and_query_and_masks(world, chen):
    a11 = world.areas["A1-1"]
    body = chen.get("/api/v1/residents/", {"area": a11.code}).json()
    assert body["count"] == 4
    for item in body["items"]:
        assert item["id_number"].count("*") == 11 and item["phone"].count("*") == 4
    target = world.residents["A1-2-h1-r2"]
    found = chen.get("/api/v1/residents/", {"q": world.full_values[target.pk][0]}).json()
    assert [i["id"] for i in found["items"]] == [target.pk]
    other_street_area = world.areas["B1"].code
    r = chen.get("/api/v1/residents/", {"area": other_street_area})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_errors_have_code_message_and_fields_in_chinese(world, chen):
    r = chen.get("/api/v1/residents/", {"page": "abc"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid" and body["fields"] == {"page": "必须是整数"}
    resident = world.residents["A1-1-h1-r1"]
    r = chen.post(
        f"/api/v1/residents/{resident.pk}/unmask",
        json.dumps({"field": "name", "reason": "x"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and "field" in r.json()["fields"]
    r = chen.post(
        f"/api/v1/residents/{resident.pk}/unmask",
        json.dumps({"field": "phone", "reason": ""}),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["fields"] == {"reason": "请填写查看完整信息的事由（至少2个字）"}
    # Dates, numbers and yes/no that do not parse say what was expected.
    r = chen.post(
        "/api/v1/tasks/",
        json.dumps(
            {
                "title": "t",
                "description": "d",
                "category": "c",
                "difficulty": "d",
                "places": 1.5,
                "deadline": "next friday",
                "area": "x",
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["fields"] == {"places": "必须是整数", "deadline": "必须是日期和时间，如 2026-11-22T09:30"}
    assert "deadline：必须是日期和时间" in r.json()["message"]


def test_openapi_document_and_docs_page_are_served(world):
    client = Client()
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/areas/{code}/stats" in spec["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200


def test_list_queries_do_not_grow_with_rows(world):
    client = Client()
    client.force_login(world.street_chen)
    counts = []
    for area in (world.areas["A1-1"], world.areas["A"]):  # 4 rows, then 16
        with CaptureQueriesContext(connection) as q1:
            assert client.get("/api/v1/residents/", {"area": area.code}).status_code == 200
        with CaptureQueriesContext(connection) as q2:
            assert client.get("/residents/", {"area": area.code}).status_code == 200
        counts.append((len(q1), len(q2)))
    assert counts[0] == counts[1]


def test_requests_refused_before_any_view_are_told_in_chinese(world):
    """A body that is not JSON, a session call without its CSRF token, a stale page form
    and a request with too many files: ninja's and Django's English (or an HTML page
    under /api/) became Chinese, in the API's error shape under /api/."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from shequ.testing.clients import client_for

    api = client_for(world.resident_wang)
    r = api.post("/api/v1/store/orders/", "{bad", content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_body"
    assert "请求体无法解析" in r.json()["message"] and r.json()["fields"] == {
        "body": "不是有效的 JSON 或表单"
    }

    session = Client(enforce_csrf_checks=True)
    session.force_login(world.resident_wang)
    r = session.post("/api/v1/store/orders/", json.dumps({"item": 1}), content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed" and "X-CSRFToken" in r.json()["message"]
    r = session.post("/problems/new/", {"category": "garbage", "description": "垃圾没人清"})
    assert (
        r.status_code == 403
        and "页面已过期" in r.content.decode()
        and "提交的内容没有保存" in r.content.decode()
    )

    files = [SimpleUploadedFile(f"{n}.jpg", b"x") for n in range(3)]
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=2):
        r = api.post("/api/v1/problems/", {"category": "garbage", "photos": files})
        assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
        assert r.json()["message"] == "一次提交的文件太多（最多 2 个），请分几次上传"
        page = client_for(world.resident_wang).post(
            "/problems/new/", {"category": "garbage", "photos": files}
        )
        assert page.status_code == 400 and "一次提交的文件太多" in page.content.decode()


def test_the_openapi_document_says_what_a_generated_client_must_send(world):
    """The endpoints that read their own body (reports and transitions with photos, a
    claim's proof, a task's attachments) had no request body in the document, no
    operation listed its error shape, and the Idempotency-Key header appeared only in
    prose: a client generated from it could not report a problem or retry safely."""
    doc = Client().get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    report = paths["/api/v1/problems/"]["post"]
    form = report["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["category", "description"] and form["properties"]["photos"]["type"] == "array"
    assert "application/json" in report["requestBody"]["content"]
    act = paths["/api/v1/problems/{problem_id}/transitions"]["post"]["requestBody"]["content"]
    assert "satisfaction" in act["application/json"]["schema"]["properties"]
    for path in ("/api/v1/claims/{claim_id}/proof", "/api/v1/tasks/{task_id}/attachments"):
        body = paths[path]["post"]["requestBody"]["content"]
        assert (
            list(body) == ["multipart/form-data"]
            and "files" in body["multipart/form-data"]["schema"]["properties"]
        )
    assert doc["components"]["schemas"]["Error"]["required"] == ["code", "message", "fields"]
    for operations in paths.values():
        for operation in operations.values():
            assert {"400", "403", "404", "422"} <= set(operation["responses"])
    assert "409" in paths["/api/v1/store/orders/"]["post"]["responses"]
    headers = {
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert headers == {
        ("post", "/api/v1/problems/"),
        ("post", "/api/v1/tasks/"),
        ("post", "/api/v1/store/orders/"),
        ("post", "/api/v1/points/service-records"),
        ("post", "/api/v1/points/accounts/{account_id}/opening"),
        ("post", "/api/v1/store/items/{item_id}/stock"),
    }


def test_a_server_error_is_told_in_chinese_as_a_page_and_in_the_api(world, monkeypatch):
    """An unexpected failure showed Django's English "Server Error (500)" page."""
    from shequ.problems import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "my_problems", broken)
    c = Client(raise_request_exception=False)
    c.force_login(world.resident_wang)
    r = c.get("/problems/mine/")
    assert r.status_code == 500 and 'lang="zh-Hans"' in r.content.decode()
    assert "刚才提交的内容可能没有保存" in r.content.decode() and "Server Error" not in r.content.decode()
    r = c.get("/api/v1/problems/", {"mine": "true"})
    assert r.status_code == 500 and r.json()["code"] == "server_error"


def test_a_form_sent_after_the_session_ended_says_nothing_was_saved(world):
    """After 30 idle minutes a report was answered with the login page and then an empty
    form, as if it had been saved; the nearby hint swapped a whole login page into the
    form."""
    c = Client()  # the session has ended
    typed = "三单元楼道灯坏了一个月，老人晚上摔倒过"
    r = c.post(
        "/problems/new/",
        {"category": "blocked_drain", "description": typed},
        HTTP_REFERER="http://testserver/problems/new/",
    )
    body = r.content.decode()
    assert r.status_code == 401 and "登录已超时，刚才提交的内容没有保存" in body
    assert 'href="/login/?next=%2Fproblems%2Fnew%2F"' in body
    # Back lands on the login page once the session is gone: what was typed is given back.
    assert "<textarea readonly" in body and typed in body and "blocked_drain" not in body
    r = c.get(
        "/problems/nearby/",
        {"category": "garbage", "lon": "117", "lat": "36"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/problems/new/",
    )
    # The nearby hint, asked as a pin is placed, sent the whole page to the login and the
    # report being typed was lost: the page stays, a notice at its top links to the login.
    assert r.status_code == 200 and "HX-Redirect" not in r and r["HX-Retarget"] == "#session-notice"
    # A list filtered in the background (hx-select="main", hx-push-url) shows the notice,
    # and the address bar does not claim a filter that was not applied.
    assert r["HX-Reselect"] == ".signed-out" and r["HX-Push-Url"] == "false"
    assert 'class="error signed-out"' in r.content.decode()
    assert 'href="/login/?next=%2Fproblems%2Fnew%2F" target="_blank"' in r.content.decode()
    assert c.get("/problems/new/").status_code == 302  # a plain page still goes to the login


def test_a_token_ends_with_a_new_password_or_when_revoked(world):
    """A token kept working for hours after the password was reset, and an app had no way
    to end its own token."""
    from shequ.access.models import User

    def token():
        r = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": world.street_chen.username, "password": PASSWORD}),
            content_type="application/json",
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}

    first = token()
    assert Client().get("/api/v1/areas/", **first).status_code == 200
    user = User.objects.get(pk=world.street_chen.pk)
    user.set_password(PASSWORD)  # a reset, even to the same text
    user.save()
    assert Client().get("/api/v1/areas/", **first).status_code == 401
    second = token()
    assert Client().delete("/api/v1/auth/token", **second).status_code == 204
    assert Client().get("/api/v1/areas/", **second).status_code == 401
    user.display_name = "陈主任"  # saving anything else leaves tokens alone
    user.save()
    third = token()
    User.objects.get(pk=user.pk).save()
    assert Client().get("/api/v1/areas/", **third).status_code == 200


def test_a_write_without_valid_credentials_is_told_to_sign_in_not_about_csrf(world):
    """A POST with an ended token, or with no credentials at all, was answered 403
    csrf_failed ("须带 X-CSRFToken"): the session check's CSRF refusal, though no session
    was sent. A client that renews its token on 401 never did so."""
    r = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": world.resident_wang.username, "password": PASSWORD}),
        content_type="application/json",
    )
    dead = {"Authorization": f"Bearer {r.json()['token']}"}
    assert Client().delete("/api/v1/auth/token", headers=dead).status_code == 204
    order = json.dumps({"item": 1, "quantity": 1})
    writes = [
        ("post", "/api/v1/store/orders/"),
        ("put", "/api/v1/tasks/1"),
        ("patch", "/api/v1/store/items/1"),
        ("delete", "/api/v1/auth/token"),
    ]
    for headers in (dead, {}):
        c = Client(enforce_csrf_checks=True)
        for method, path in writes:
            r = getattr(c, method)(path, order, content_type="application/json", headers=headers)
            assert r.status_code == 401, (method, path, headers, r.content)
            assert r.json()["code"] == "unauthenticated"
    # A signed-in page session still needs its CSRF token, also beside a dead token.
    session = Client(enforce_csrf_checks=True)
    session.force_login(world.resident_wang)
    r = session.post("/api/v1/store/orders/", order, content_type="application/json", headers=dead)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"


def test_pages_say_where_scripts_may_come_from(world):
    """No Content-Security-Policy: a name that slipped into a page as HTML could run."""
    c = Client()
    c.force_login(world.secretary_zhang)
    policy = c.get("/problems/").headers["Content-Security-Policy"]
    assert (
        "script-src 'self';" in policy
        and "'unsafe-eval'" not in policy
        and "frame-ancestors 'none'" in policy
    )
    assert "default-src 'self'" in c.get("/login/").headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("http://tiles.intranet/{z}/{x}/{y}.png", "http://tiles.intranet"),
        ("http://{s}.tiles.intranet:8080/{z}/{x}/{y}.png", "http://*.tiles.intranet:8080"),
        ("//tiles.intranet/{z}/{x}/{y}.png", "tiles.intranet"),
        ("", ""),
    ],
)
def test_the_tile_servers_images_are_allowed_as_leaflet_writes_its_url(url, source):
    """http://{s}.host/… (Leaflet's subdomains) was copied into the policy as it was, an
    invalid source: every tile was blocked and the maps showed no background."""
    from shequ.core.middleware import tile_source

    assert tile_source(url) == source


def test_answers_are_kept_by_no_browser_or_proxy(world):
    """Pages with residents' data could come back with Back after signing out, from the
    browser's cache, and htmx kept copies of filtered lists in the tab's sessionStorage,
    where they stayed after signing out."""
    from django.http import HttpResponse

    from shequ.core.middleware import NoStoreMiddleware

    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/residents/")
    assert {"no-store", "private"} <= set(page.headers["Cache-Control"].replace(" ", "").split(","))
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page.content.decode())
    assert config is not None
    settings = json.loads(config.group(1))
    assert settings["historyCacheSize"] == 0 and settings["refreshOnHistoryMiss"] is True
    assert "no-store" in c.get("/api/v1/residents/").headers["Cache-Control"]
    assert "no-store" in Client().get("/login/").headers["Cache-Control"]
    # A view that may be cached says so itself, and is left alone.
    own = HttpResponse(headers={"Cache-Control": "private, max-age=3600"})
    answered = NoStoreMiddleware(lambda request: own)(RequestFactory().get("/tasks/attachments/1/"))
    assert answered["Cache-Control"] == "private, max-age=3600"
