"""A task published or edited while SQLite stayed locked past its wait (a long import
holding the write lock) answered with the bare error page, and the title and the
description typed were gone. The editor now comes back with them and says why."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _busy(*args, **kwargs):
    raise OperationalError("database is locked")


def _form(world, **extra):
    return {
        "title": "清理3号楼楼道杂物",
        "description": "楼道里堆放的纸箱和旧家具影响通行，请在周末前清理干净。",
        "category": "clear_ads",
        "difficulty": "easy",
        "places": "2",
        "deadline": timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "area": world.areas["A1-1"].code,
        "audience": "public",
        **extra,
    }


def test_a_busy_database_brings_the_new_task_back_with_what_was_typed(world, monkeypatch):
    monkeypatch.setattr(services, "create_task", _busy)
    r = client_for(world.secretary_zhang).post("/tasks/new/", _form(world, idempotency_key="busy-new-1"))
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body
    assert 'value="清理3号楼楼道杂物"' in body and "楼道里堆放的纸箱和旧家具影响通行" in body
    assert 'value="busy-new-1"' in body  # sent again, it is the same request
    assert not Task.objects.filter(title="清理3号楼楼道杂物").exists()


def test_a_busy_database_brings_the_edited_task_back_with_what_was_typed(world, monkeypatch):
    task = make_task(world, key="A1", publish=False)
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/{task.pk}/edit/").content.decode()
    seen = page.split('name="seen" value="')[1].split('"')[0]
    monkeypatch.setattr(services, "update_task", _busy)
    r = staff.post(f"/tasks/{task.pk}/edit/", _form(world, seen=seen, title="改过的标题：清理楼道"))
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body and 'value="改过的标题：清理楼道"' in body


def test_a_busy_database_brings_the_proof_note_back(world, monkeypatch):
    """Proof sent while SQLite stayed locked answered with the bare error page, and the
    note typed on the phone was gone."""
    task = make_task(world, key="A1-1")
    claim = services.claim_task(world.resident_wang, task.pk)
    monkeypatch.setattr(services, "transition_claim", _busy)
    r = client_for(world.resident_wang).post(
        f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "楼道灯泡已更换，附照片两张"}
    )
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body and "楼道灯泡已更换，附照片两张" in body
