"""A database written with one SHEQU_FIELD_KEY and read with another: said clearly, never
a server error, and nothing recorded as read."""

import base64
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from shequ.access.models import AuditEvent
from shequ.core import fieldcrypt, keycheck
from shequ.core.models import FieldKeyCheck
from shequ.people import services

pytestmark = pytest.mark.django_db

KEY_B = base64.b64encode(b"B" * 32).decode("ascii")


def test_a_value_sealed_under_another_key_is_a_clear_error():
    token = fieldcrypt.encrypt("110105194912310021", "id_number")
    with override_settings(FIELD_KEY=KEY_B), pytest.raises(fieldcrypt.Undecryptable) as exc:
        fieldcrypt.decrypt(token, "id_number")
    assert exc.value.status == 409
    assert exc.value.message.startswith("无法读取完整的身份证号：")
    assert "SHEQU_FIELD_KEY" in exc.value.message


@override_settings(FIELD_KEY=KEY_B)
def test_unmask_under_another_key_writes_no_audit_row(world):
    resident = world.residents["A1-1-h1-r1"]
    before = AuditEvent.objects.filter(event="resident.unmask").count()
    with pytest.raises(fieldcrypt.Undecryptable):
        services.unmask(world.secretary_zhang, resident.pk, "id_number", "核对低保申请")
    assert AuditEvent.objects.filter(event="resident.unmask").count() == before


@override_settings(FIELD_KEY=KEY_B)
def test_unmask_page_and_api_answer_the_error_and_keep_the_reason(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    resident = world.residents["A1-1-h1-r1"]
    before = AuditEvent.objects.filter(event="resident.unmask").count()
    r = client.post(f"/residents/{resident.pk}/unmask/", {"field": "phone", "reason": "电话回访"})
    page = r.content.decode()
    assert r.status_code == 409 and "无法读取完整的联系电话" in page and 'value="电话回访"' in page
    r = client.post(
        f"/api/v1/residents/{resident.pk}/unmask",
        {"field": "phone", "reason": "电话回访"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "field_key_mismatch"
    assert AuditEvent.objects.filter(event="resident.unmask").count() == before


@override_settings(FIELD_KEY=KEY_B)
def test_a_full_export_under_another_key_is_a_page_not_a_server_error(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    before = AuditEvent.objects.filter(event="resident.export").count()
    r = client.post("/residents/export/", {"reason": "年度核查"})
    assert r.status_code == 409 and "SHEQU_FIELD_KEY" in r.content.decode()
    assert AuditEvent.objects.filter(event="resident.export").count() == before


def test_the_same_database_with_its_own_key_unmasks(world):
    resident = world.residents["A1-1-h1-r1"]
    value = services.unmask(world.secretary_zhang, resident.pk, "id_number", "核对低保申请")
    assert value == world.full_values[resident.pk][0]


# The start-up check (core/keycheck.py).

MISMATCH = "字段加密密钥与数据库不符（SHEQU_FIELD_KEY）"


def test_a_new_database_records_its_key_and_refuses_another():
    assert not FieldKeyCheck.objects.exists()
    keycheck.verify()  # the first start records the development key's check value
    assert FieldKeyCheck.objects.get().check_value == fieldcrypt.check_value("")
    with override_settings(FIELD_KEY=KEY_B), pytest.raises(keycheck.FieldKeyMismatch) as exc:
        keycheck.verify()
    assert str(exc.value).startswith(MISMATCH) and "docs/operations.md" in str(exc.value)
    keycheck.verify()  # the same database with its own key passes
    assert FieldKeyCheck.objects.count() == 1


def test_data_from_before_the_check_is_tried_before_a_key_is_recorded(world):
    # Residents sealed with the development key, and no check value yet (an upgrade).
    with override_settings(FIELD_KEY=KEY_B), pytest.raises(keycheck.FieldKeyMismatch):
        keycheck.verify()
    assert not FieldKeyCheck.objects.exists()
    keycheck.verify()
    assert FieldKeyCheck.objects.get().check_value == fieldcrypt.check_value("")


KEY_A = base64.b64encode(b"A" * 32).decode("ascii")


def run(tmp_path, key, code):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_")}
    env = {
        **clean,
        "SHEQU_VAR_DIR": str(tmp_path),
        "SHEQU_DATABASE_URL": f"sqlite:///{tmp_path / 'shequ.sqlite3'}",
        "SHEQU_FIELD_KEY": key,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed scripts
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, timeout=120
    )


CLI = "import sys; from shequ.cli import main; sys.argv = ['shequ', *{args!r}]; main()"
WSGI = "import shequ.wsgi"


@pytest.mark.django_db(False)
def test_the_web_server_and_the_console_script_refuse_another_key(tmp_path):
    migrated = run(tmp_path, KEY_A, CLI.format(args=["migrate", "core", "-v", "0"]))
    assert migrated.returncode == 0, migrated.stderr
    first = run(tmp_path, KEY_A, WSGI)  # records key A
    assert first.returncode == 0, first.stderr

    web = run(tmp_path, KEY_B, WSGI)
    assert web.returncode != 0 and MISMATCH in web.stderr
    cli = run(tmp_path, "", CLI.format(args=["check"]))  # a cron job without the environment
    assert cli.returncode == 1
    with override_settings(FIELD_KEY=""):
        expected = keycheck.message()
    assert "用的是公开的开发密钥" in expected and cli.stderr.strip().splitlines() == [expected]

    assert run(tmp_path, KEY_A, WSGI).returncode == 0
    assert run(tmp_path, KEY_A, CLI.format(args=["check"])).returncode == 0
