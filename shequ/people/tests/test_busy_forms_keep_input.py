"""A visit record or a care record sent while SQLite stayed locked past its wait (a long
import holding the write lock) answered with the bare error page: the notes a grid
worker had typed on the phone at the door were gone. The form now comes back with them."""

import pytest
from django.db import OperationalError
from django.utils import timezone

from shequ.people import services
from shequ.people.models import CareRecord, Visit
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _busy(*args, **kwargs):
    raise OperationalError("database is locked")


def test_a_busy_database_brings_the_visit_form_back_with_the_notes(world, monkeypatch):
    monkeypatch.setattr(services, "record_visit", _busy)
    household = world.households["A1-1-h2"]
    before = Visit.objects.filter(household=household).count()
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "people_met": "户主及配偶",
        "situation": "老两口独居，儿子在外地工作，老人腿脚不便",
        "income_level": "low",
        "health": "chronic",
        "need": ["楼下路灯不亮", ""],
        "need_category": ["safety_hazard", ""],
    }
    r = client_for(world.grid_worker_li).post(f"/households/{household.pk}/visits/new/", form)
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body
    assert "老两口独居，儿子在外地工作" in body and "楼下路灯不亮" in body
    assert Visit.objects.filter(household=household).count() == before


def test_a_busy_database_brings_the_care_form_back_with_the_content(world, monkeypatch):
    monkeypatch.setattr(services, "record_care", _busy)
    oldest = world.residents["A1-1-h1-r1"]
    before = CareRecord.objects.filter(resident=oldest).count()
    r = client_for(world.secretary_zhang).post(
        f"/residents/{oldest.pk}/care/",
        {"kind": "phone", "content": "电话问候，提醒按时服药", "cared_on": timezone.localdate().isoformat()},
    )
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body and "电话问候，提醒按时服药" in body
    assert CareRecord.objects.filter(resident=oldest).count() == before
