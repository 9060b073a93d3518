"""A database written with one SHEQU_FIELD_KEY and read with another: said clearly, never
a server error, and nothing recorded as read."""

import base64

import pytest
from django.test import Client, override_settings

from shequ.access.models import AuditEvent
from shequ.core import fieldcrypt
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


def test_the_same_database_with_its_own_key_unmasks(world):
    resident = world.residents["A1-1-h1-r1"]
    value = services.unmask(world.secretary_zhang, resident.pk, "id_number", "核对低保申请")
    assert value == world.full_values[resident.pk][0]
