"""更正身份证号 on the resident's page: a number mistyped at registration is corrected
where it is kept (a re-import never changes a registered number, and registered the
right number as a second person beside the wrong one)."""

import json
from datetime import date

import pytest
from django.test import Client

from shequ.access.models import AuditEvent
from shequ.core import fieldcrypt
from shequ.people import idcard
from shequ.people.models import Resident

pytestmark = pytest.mark.django_db


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_secretary_corrects_a_mistyped_number_and_the_audit_keeps_both_masked(world):
    resident = world.residents["A1-1-h2-r1"]
    old_masked = Resident.objects.get(pk=resident.pk).id_number_masked
    right = idcard.make("370103", date(1971, 3, 9), 77, "F")
    client = page_client(world.secretary_zhang)
    assert "更正身份证号" in client.get(f"/residents/{resident.pk}/").content.decode()

    r = client.post(f"/residents/{resident.pk}/id-number/", {"id_number": right.lower()})

    assert r.status_code == 302 and r["Location"] == f"/residents/{resident.pk}/"
    fixed = Resident.objects.get(pk=resident.pk)
    # The number is sealed, looked up and masked as at registration; gender and birth
    # date are the new number's.
    assert fieldcrypt.decrypt(fixed.id_number_enc, "id_number") == right
    assert fixed.id_number_hash == fieldcrypt.lookup_hash(right, "id_number")
    assert fixed.id_number_masked == f"{right[:3]}***********{right[-4:]}"
    assert (fixed.gender, fixed.birth_date) == ("F", date(1971, 3, 9))
    event = AuditEvent.objects.get(event="resident.id_number_fix", object_id=str(resident.pk))
    assert event.detail == {"from": old_masked, "to": fixed.id_number_masked}
    assert event.actor_id == world.secretary_zhang.pk and event.area_path == resident.area_path
    assert right not in json.dumps(event.detail)
    # Typing a complete number is a lookup by it (decision 0002).
    searches = AuditEvent.objects.filter(event="resident.number_search", actor_id=world.secretary_zhang.pk)
    assert searches.filter(object_id=str(resident.pk)).exists()
    found = client.get("/residents/", {"q": right}).content.decode()
    assert f"/residents/{resident.pk}/" in found


def test_a_refused_number_comes_back_with_the_message_and_what_was_typed(world):
    resident = world.residents["A1-1-h2-r2"]
    before = Resident.objects.get(pk=resident.pk).id_number_hash
    client = page_client(world.secretary_zhang)
    typed = "11010519491231002Y"
    r = client.post(f"/residents/{resident.pk}/id-number/", {"id_number": typed})
    assert r.status_code == 400
    html = r.content.decode()
    assert "身份证号前17位必须是数字" in html and f'value="{typed}"' in html
    # Someone else's number: refused, nobody changed.
    other = world.full_values[world.residents["A1-1-h1-r1"].pk][0]
    r = client.post(f"/residents/{resident.pk}/id-number/", {"id_number": other})
    assert r.status_code == 400 and "该身份证号已登记" in r.content.decode()
    assert Resident.objects.get(pk=resident.pk).id_number_hash == before
    assert not AuditEvent.objects.filter(event="resident.id_number_fix").exists()


def test_only_those_who_keep_the_registry_and_read_full_numbers_correct_them(world):
    resident = world.residents["A1-1-h1-r2"]
    right = idcard.make("370103", date(1980, 5, 5), 78, "F")
    # Community staff import registers but do not read ID numbers in full; a grid worker
    # does neither: no form, 403. Another street's secretary: 404, as for no one.
    for user, status in (
        (world.users["community_staff@A1"], 403),
        (world.grid_worker_li, 403),
        (world.outsider_zhao, 404),
    ):
        client = page_client(user)
        if status == 403:
            assert "更正身份证号" not in client.get(f"/residents/{resident.pk}/").content.decode()
        assert client.post(f"/residents/{resident.pk}/id-number/", {"id_number": right}).status_code == status
    assert Resident.objects.get(pk=resident.pk).id_number_hash != fieldcrypt.lookup_hash(right, "id_number")


def test_the_api_corrects_a_number(world):
    resident = world.residents["A1-2-h2-r2"]
    right = idcard.make("370103", date(1990, 12, 1), 79, "M")
    client = page_client(world.street_chen)
    r = client.post(
        f"/api/v1/residents/{resident.pk}/id-number",
        json.dumps({"id_number": right}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["id_number"] == f"{right[:3]}***********{right[-4:]}"
    assert r.json()["gender"] == "M" and r.json()["birth_year"] == 1990
    r = client.post(
        f"/api/v1/residents/{resident.pk}/id-number",
        json.dumps({"id_number": ""}),
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["fields"]["id_number"] == "身份证号必填"
