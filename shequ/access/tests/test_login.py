import json
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from shequ.access.models import ApiToken
from shequ.access.services import add_user
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def token(client, username, password):
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def test_passwords_are_hashed_with_argon2(world):
    assert world.street_chen.password.startswith("argon2")


def test_a_login_made_with_a_hash_made_once_signs_in_with_its_password(world):
    """The demo and the personas hash their one password once (add_user's password_hash);
    a login made without it gets a hash of its own, salted apart."""
    hashed = make_password("hash-once-2026")
    one = add_user(
        "hash-once-a",
        "ignored",
        role="resident",
        area_code=world.households["A1-1-h1"].code,
        check_password=False,
        password_hash=hashed,
    )
    other = add_user(
        "hash-once-b",
        "hash-once-2026",
        role="resident",
        area_code=world.households["A1-1-h1"].code,
        check_password=False,
    )
    assert one.password == hashed and other.password.startswith("argon2") and other.password != hashed
    assert one.check_password("hash-once-2026") and not one.check_password("ignored")
    client = Client()
    r = client.post("/login/", {"username": "hash-once-a", "password": "hash-once-2026"})
    assert r.status_code == 302


def test_web_login_then_home(world):
    client = Client()
    r = client.post("/login/", {"username": world.street_chen.username, "password": PASSWORD})
    assert r.status_code == 302
    assert "杆石桥街道" in client.get("/").content.decode()


def test_five_failures_lock_the_account_on_the_web_form(world):
    client = Client()
    name = world.secretary_zhang.username
    for _ in range(5):
        r = client.post("/login/", {"username": name, "password": "wrong"})
    r = client.post("/login/", {"username": name, "password": PASSWORD})
    assert r.status_code == 429
    assert "已锁定30分钟" in r.content.decode()


def test_failures_on_the_api_lock_the_web_form_too(world):
    client = Client()
    name = world.grid_worker_li.username
    for _ in range(4):
        assert token(client, name, "wrong").status_code == 401
    r = token(client, name, "wrong")
    assert r.status_code in (401, 429)
    r = token(client, name, PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "locked_out"
    r = client.post("/login/", {"username": name, "password": PASSWORD})
    assert r.status_code == 429


def test_admin_login_is_locked_after_five_failures(world):
    client = Client()
    name = world.outsider_zhao.username
    for _ in range(5):
        client.post("/admin/login/", {"username": name, "password": "wrong"})
    r = client.post("/admin/login/", {"username": name, "password": PASSWORD})
    assert r.status_code == 429


def test_token_gives_access_and_expires_when_idle(world):
    client = Client()
    r = token(client, world.street_chen.username, PASSWORD)
    assert r.status_code == 200
    bearer = f"Bearer {r.json()['token']}"
    assert client.get("/api/v1/areas/370103003", HTTP_AUTHORIZATION=bearer).status_code == 200
    ApiToken.objects.filter(user=world.street_chen).update(
        last_used_at=timezone.now() - timedelta(minutes=31)
    )
    r = client.get("/api/v1/areas/370103003", HTTP_AUTHORIZATION=bearer)
    assert r.status_code == 401 and r.json()["message"] == "请先登录或提供有效的访问令牌"


def test_wrong_password_gives_a_chinese_message(world):
    r = token(Client(), world.street_chen.username, "nope")
    assert r.status_code == 401
    assert r.json() == {"code": "login_failed", "message": "用户名或密码错误", "fields": {}}


def test_session_ends_after_30_idle_minutes_and_activity_extends_it(world):
    client = Client()
    client.force_login(world.street_chen)
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    left = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_closing_the_browser_signs_out(world):
    """Office PCs are shared: a worker who closed the browser and walked away left the
    session cookie on the disk for its 30 minutes, and the next person to open the browser
    was signed in as them (their unmask rights, their name in the audit log). The cookie
    now lasts as long as the browser; the server still ends the session after 30 idle
    minutes."""
    client = Client()
    r = client.post("/login/", {"username": world.street_chen.username, "password": PASSWORD})
    assert r.status_code == 302
    cookie = r.cookies["sessionid"]
    assert not cookie["max-age"] and not cookie["expires"]
    session = Session.objects.get(session_key=cookie.value)
    left = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_activity_slides_the_session_at_most_once_a_minute(world, monkeypatch):
    """Every request saved the session: each page view and each htmx poll was a write
    transaction, which on SQLite waited for, and held up, the reports being saved."""
    import time as clock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = clock.time()
    monkeypatch.setattr(clock, "time", lambda: start)
    client = Client()
    client.force_login(world.street_chen)
    assert client.get("/").status_code == 200
    key = client.session.session_key
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    # Near its end, a request a minute later gives the session its whole idle time again.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=5))
    monkeypatch.setattr(clock, "time", lambda: start + 61)
    assert client.get("/").status_code == 200
    left = Session.objects.get(session_key=key).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_the_login_page_states_the_limits_this_deployment_sets(world, settings):
    """The page said 30 minutes and 5 failures whatever SHEQU_SESSION_IDLE_SECONDS and
    SHEQU_LOCKOUT_* were set to."""
    from django.test import Client

    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 10 / 60
    settings.SESSION_IDLE_SECONDS = 600
    client = Client()
    page = client.get("/login/").content.decode()
    assert "10分钟无操作会自动退出登录" in page and "30分钟" not in page
    wrong = client.post("/login/", {"username": world.secretary_zhang.username, "password": "wrong"})
    assert "连续失败3次，账号将锁定10分钟" in wrong.content.decode()


def test_a_stopped_account_is_told_so_with_its_right_password(world):
    """Someone whose account was stopped was told 用户名或密码错误 and that five more tries
    lock it: they tried again and again, then asked for a new password. With the right
    password the answer says the account is stopped; a wrong one still says nothing."""
    from shequ.access.services import deactivate_user

    user = add_user(
        "stopped-login", "Stopped-pass-2026", role="grid_worker", area_code=world.areas["A1-1"].code
    )
    deactivate_user(user)
    client = Client()
    r = client.post("/login/", {"username": "stopped-login", "password": "Stopped-pass-2026"})
    assert r.status_code == 200 and "账号已停用" in r.content.decode()
    r = token(client, "stopped-login", "Stopped-pass-2026")
    assert r.status_code == 401 and r.json()["code"] == "inactive" and "账号已停用" in r.json()["message"]
    r = client.post("/login/", {"username": "stopped-login", "password": "wrong-pass-2026"})
    assert "账号已停用" not in r.content.decode() and "用户名或密码错误" in r.content.decode()
    r = token(client, "stopped-login", "wrong-pass-2026")
    assert r.json()["code"] == "login_failed"
