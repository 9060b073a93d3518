"""更正姓名 on the resident's page: those who keep the community's registry correct a
registered name there (a re-import does not); the login and points account follow."""

import json

import pytest
from django.test import Client

from shequ.access.models import AuditEvent, User
from shequ.people.models import Resident

pytestmark = pytest.mark.django_db


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_correct_a_name_and_the_login_and_points_account_follow(world):
    """Rankings, the 公示栏, the account search and delivery labels kept the old name."""
    from shequ.points.models import Account
    from shequ.points.tests.helpers import fund

    wang = world.resident_wang
    fund(world, wang, 5)
    resident = wang.resident
    old = resident.name
    User.objects.filter(pk=wang.pk).update(display_name=old)
    Account.objects.filter(user=wang).update(name=old)
    staff = world.user("community_staff@A1")
    client = page_client(staff)
    assert "更正姓名" in client.get(f"/residents/{resident.pk}/").content.decode()

    r = client.post(f"/residents/{resident.pk}/name/", {"name": " 欧阳　修正 "})

    assert r.status_code == 302 and r["Location"] == f"/residents/{resident.pk}/"
    # Read afresh: the world's instances are shared by every test.
    corrected = Resident.objects.get(pk=resident.pk)
    assert (corrected.name, corrected.name_initials) == ("欧阳修正", "oyxz")
    assert User.objects.get(pk=wang.pk).display_name == "欧阳修正"
    assert Account.objects.get(user=wang).name == "欧阳修正"
    event = AuditEvent.objects.get(event="resident.rename", object_id=str(resident.pk))
    assert event.actor_id == staff.pk and event.detail == {"from": old, "to": "欧阳修正"}
    assert event.area_path == resident.area_path


def test_a_refused_name_comes_back_with_the_message_and_the_typed_text(world):
    resident = world.residents["A1-1-h1-r2"]
    client = page_client(world.secretary_zhang)
    r = client.post(f"/residents/{resident.pk}/name/", {"name": "长" * 51})
    assert r.status_code == 400
    html = r.content.decode()
    assert "姓名不能超过50个字" in html and f'value="{"长" * 51}"' in html
    assert Resident.objects.get(pk=resident.pk).name == resident.name


def test_only_those_who_keep_the_registry_there_correct_names(world):
    resident = world.residents["A1-1-h1-r2"]
    # A grid worker opens the resident but does not keep the registry: no form, 403.
    worker = page_client(world.grid_worker_li)
    assert "更正姓名" not in worker.get(f"/residents/{resident.pk}/").content.decode()
    assert worker.post(f"/residents/{resident.pk}/name/", {"name": "改名"}).status_code == 403
    # Another street's secretary: the same 404 as a resident who does not exist.
    outsider = page_client(world.outsider_zhao)
    assert outsider.post(f"/residents/{resident.pk}/name/", {"name": "改名"}).status_code == 404
    assert Resident.objects.get(pk=resident.pk).name == resident.name
    assert not AuditEvent.objects.filter(event="resident.rename").exists()


def test_the_api_corrects_a_name(world):
    resident = world.residents["A1-2-h2-r1"]
    client = page_client(world.street_chen)
    r = client.post(
        f"/api/v1/residents/{resident.pk}/name",
        json.dumps({"name": "李 更正"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["name"] == "李更正"
    r = client.post(
        f"/api/v1/residents/{resident.pk}/name", json.dumps({"name": ""}), content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["fields"] == {"name": "姓名必填"}
