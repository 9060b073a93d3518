"""`shequ user open311-key add / list / revoke`: a 311 client's static api_key, shown
once, kept as its digest, listed without itself and ended at once."""

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from shequ.access.models import AuditEvent, Open311Key
from shequ.problems.tests.helpers import grid_point

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("user", "open311-key", *args, stdout=out)
    return out.getvalue()


def test_an_open311_key_is_shown_once_listed_without_itself_and_revoked(world):
    lon, lat = grid_point(world, "A1-1")
    report = {"service_code": "blocked_drain", "lat": lat, "long": lon, "description": "下水道堵了"}
    wang = world.resident_wang
    printed = run("add", wang.username, "--label", "区12345平台对接")
    assert f"已为 {wang.username} 发放 Open311 密钥" in printed and "只显示这一次" in printed
    row = Open311Key.objects.get(user=wang)
    (key,) = [x for x in printed.splitlines() if hashlib.sha256(x.encode()).hexdigest() == row.digest]
    assert len(key) == 43  # 32 random bytes, urlsafe base64
    assert row.label == "区12345平台对接" and row.created_by is None and row.revoked_at is None
    assert key not in json.dumps(list(Open311Key.objects.values()), default=str)  # the digest only
    added = AuditEvent.objects.get(event="access.open311_key_add", object_id=str(row.pk))
    assert added.detail == {"username": wang.username, "label": "区12345平台对接"}
    assert added.event_label == "发放 Open311 密钥" and added.object_label == "Open311 密钥"
    assert Client().post("/open311/v2/requests.json", {"api_key": key, **report}).status_code == 200

    listed = run("list", wang.username)
    assert key not in listed and row.digest not in listed
    assert listed.startswith(f"{row.pk}\t{wang.username}\t区12345平台对接\t发放 ")
    assert "\t最近使用 " in listed and listed.rstrip().endswith("有效")
    assert run("list", world.grid_worker_li.username) == ""

    assert f"已撤销 Open311 密钥 {row.pk}" in run("revoke", str(row.pk))
    assert "\t已撤销 " in run("list")
    assert AuditEvent.objects.filter(event="access.open311_key_revoke", object_id=str(row.pk)).count() == 1
    r = Client().post("/open311/v2/requests.json", {"api_key": key, **report})
    assert r.status_code == 403 and r.json()[0]["description"].startswith("api_key：")


def test_each_refusal_names_what_is_wrong_and_writes_nothing(world):
    wang = world.resident_wang
    run("add", wang.username, "--label", "区12345平台对接")
    row = Open311Key.objects.get()
    run("revoke", str(row.pk))
    with pytest.raises(CommandError, match="已于 .* 撤销"):
        run("revoke", str(row.pk))
    with pytest.raises(CommandError, match="ID：必须是"):
        run("revoke", "abc")
    with pytest.raises(CommandError, match="Open311 密钥 999999 不存在"):
        run("revoke", "999999")
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        run("add", "nobody", "--label", "x")
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        run("list", "nobody")
    with pytest.raises(CommandError, match="用途必填"):
        run("add", wang.username, "--label", "  ")
    with pytest.raises(CommandError, match="用途最多 100 个字"):
        run("add", wang.username, "--label", "对" * 101)
    assert Open311Key.objects.count() == 1
    assert AuditEvent.objects.filter(event__startswith="access.open311_key").count() == 2


def test_disabling_an_account_revokes_its_keys_for_good(world):
    """A disabled account's keys were refused but listed 有效, and turning the account
    on again (the admin's is_active box) would have revived them silently."""
    from shequ.access.models import User
    from shequ.access.services import add_open311_key, deactivate_user

    li = User.objects.get(pk=world.grid_worker_li.pk)
    row, key = add_open311_key(li, "区12345平台对接")
    deactivate_user(li)
    row.refresh_from_db()
    assert row.revoked_at is not None
    event = AuditEvent.objects.filter(event="access.deactivate", object_id=str(li.pk)).latest("id")
    assert event.detail["open311_keys_revoked"] == 1
    User.objects.filter(pk=li.pk).update(is_active=True)
    r = Client().get("/open311/v2/requests.json", {"api_key": key})
    assert r.status_code == 403
    assert run("list", li.username).rstrip().split("\t")[-1].startswith("已撤销 ")


def test_a_key_of_an_account_disabled_otherwise_is_listed_as_unusable(world):
    from shequ.access.models import User
    from shequ.access.services import add_open311_key

    li = User.objects.get(pk=world.grid_worker_li.pk)
    add_open311_key(li, "区12345平台对接")
    User.objects.filter(pk=li.pk).update(is_active=False)  # not through the service
    assert run("list", li.username).rstrip().endswith("账号已停用（密钥不可用）")


def test_a_label_with_a_line_break_is_refused(world):
    with pytest.raises(CommandError, match="控制字符"):
        run("add", world.resident_wang.username, "--label", "对接\n1\tfake")
    assert not Open311Key.objects.filter(user=world.resident_wang).exists()
