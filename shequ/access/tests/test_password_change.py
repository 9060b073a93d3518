"""修改密码: a worker given a first password by the operator changes it themselves."""

import json

import pytest
from django.test import Client

from shequ.access.models import ApiToken, AuditEvent, User
from shequ.access.selectors import audit_events
from shequ.access.services import add_user
from shequ.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

FIRST = "Given-by-operator-2026"
CHOSEN = "Mine-and-only-mine-77"


def token(username, password):
    r = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )
    return r.status_code


def test_a_worker_changes_the_password_the_operator_gave_them(world):
    """There was no page for it: the operator's first password (or the demo's published
    one) stayed the account's password for good."""
    user = add_user("pw-changer", FIRST, role="grid_worker", area_code=world.areas["A1-1"].code)
    assert token("pw-changer", FIRST) == 200
    page = Client()
    page.force_login(user)
    assert "修改密码" in page.get("/").content.decode()

    r = page.post("/password/", {"old_password": FIRST, "new_password1": CHOSEN, "new_password2": CHOSEN})

    assert r.status_code == 200 and "密码已修改" in r.content.decode()
    assert User.objects.get(pk=user.pk).check_password(CHOSEN)
    assert page.get("/").status_code == 200  # this session goes on
    assert not ApiToken.objects.filter(user=user).exists()  # tokens issued under the old one end
    assert token("pw-changer", FIRST) == 401 and token("pw-changer", CHOSEN) == 200
    event = AuditEvent.objects.get(event="access.password", object_id=str(user.pk))
    assert CHOSEN not in json.dumps(event.detail) and FIRST not in json.dumps(event.detail)
    seen, _ = audit_events(world.users["auditor@A"], event="access.password")
    assert seen.filter(pk=event.pk).exists()


def test_a_wrong_old_password_or_a_weak_new_one_is_named(world):
    user = add_user("pw-refused", FIRST, role="grid_worker", area_code=world.areas["A1-1"].code)
    page = Client()
    page.force_login(user)
    for old, new, again, message in (
        ("guess-2026", CHOSEN, CHOSEN, "原密码不正确"),
        (FIRST, CHOSEN, CHOSEN + "x", "两次输入的新密码不一致"),
        (FIRST, "12345678", "12345678", "新密码："),
    ):
        r = page.post("/password/", {"old_password": old, "new_password1": new, "new_password2": again})
        assert r.status_code == 400 and message in r.content.decode()
    assert User.objects.get(pk=user.pk).check_password(FIRST)
    assert not AuditEvent.objects.filter(event="access.password", object_id=str(user.pk)).exists()


def test_guessing_the_old_password_locks_the_account_as_a_login_does(world):
    """A session left open on a shared office PC could try old passwords without end and
    then set its own: the form counts failures with the login's lockout."""
    user = add_user("pw-guessed", FIRST, role="grid_worker", area_code=world.areas["A1-1"].code)
    page = Client()
    page.force_login(user)
    for n in range(5):
        wrong = {"old_password": f"guess-{n}-2026", "new_password1": CHOSEN, "new_password2": CHOSEN}
        page.post("/password/", wrong)
    r = page.post("/password/", {"old_password": FIRST, "new_password1": CHOSEN, "new_password2": CHOSEN})
    assert r.status_code == 429 and "已锁定30分钟" in r.content.decode()
    assert User.objects.get(pk=user.pk).check_password(FIRST)
    assert token("pw-guessed", FIRST) == 429


def test_a_password_like_the_username_is_refused(world):
    """A resident's login is often their name and birth year (zhangwei1985): the same
    text as the password passed every rule, and was the first thing anyone would try."""
    user = add_user("zhangwei1985", FIRST, role="grid_worker", area_code=world.areas["A1-1"].code)
    page = Client()
    page.force_login(user)

    r = page.post(
        "/password/",
        {"old_password": FIRST, "new_password1": "zhangwei1985", "new_password2": "zhangwei1985"},
    )

    assert r.status_code == 400
    assert "新密码：" in r.content.decode() and "用户名" in r.content.decode()
    assert User.objects.get(pk=user.pk).check_password(FIRST)


def test_an_account_is_not_made_with_its_username_as_password(world):
    with pytest.raises(ValidationFailed) as refused:
        add_user("liming2026", "liming2026", role="grid_worker", area_code=world.areas["A1-1"].code)
    assert "用户名" in refused.value.fields["password"]
    assert not User.objects.filter(username="liming2026").exists()


def test_a_short_new_password_is_refused_in_chinese(world):
    """A worker who typed a 7-character password on 修改密码 read "新密码：This password is
    too short. It must contain at least 8 characters." (Django 5.2's message has no
    Chinese translation); the operator's `shequ user add` said the same."""
    user = add_user("pw-short", FIRST, role="grid_worker", area_code=world.areas["A1-1"].code)
    page = Client()
    page.force_login(user)

    short = "Qz7-kp2"
    r = page.post("/password/", {"old_password": FIRST, "new_password1": short, "new_password2": short})

    body = r.content.decode()
    assert r.status_code == 400
    assert "新密码：密码太短，至少需要8个字符" in body
    assert "too short" not in body
    with pytest.raises(ValidationFailed) as refused:
        add_user("pw-short-2", short, role="grid_worker", area_code=world.areas["A1-1"].code)
    assert "密码太短，至少需要8个字符" in str(refused.value.fields)
    assert User.objects.get(pk=user.pk).check_password(FIRST)
