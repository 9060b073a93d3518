"""Texts typed into tasks have a limit, named on the field with it, and the pages come back
with what was typed: a task's description (every resident reads it on the board)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.tasks.models import Task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_task_description_is_limited_to_2000_characters(world):
    """An 800,000-character description was saved and published, and a resident's task
    list was 4.8 MB."""
    api = client_for(world.secretary_zhang)
    body = {
        "title": "清理楼道杂物",
        "description": "杂" * 2001,
        "category": "clear_ads",
        "difficulty": "easy",
        "places": 1,
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
        "area": world.areas["A1-1"].code,
    }
    r = api.post("/api/v1/tasks/", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["fields"] == {
        "description": "任务说明不能超过 2000 个字（现在 2001 个字）"
    }
    assert not Task.objects.filter(title="清理楼道杂物").exists()
    r = api.post(
        "/api/v1/tasks/", json.dumps(body | {"description": "杂" * 2000}), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    # Nor made longer by an edit.
    r = api.put(f"/api/v1/tasks/{r.json()['id']}", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and "任务说明不能超过 2000 个字" in r.json()["fields"]["description"]


def test_the_task_editor_says_the_limit_and_keeps_the_description(world):
    c = client_for(world.secretary_zhang)
    typed = "请清理2号楼楼道里堆放的杂物。" * 150  # 2,250 characters
    form = {
        "title": "清理楼道杂物",
        "description": typed,
        "category": "clear_ads",
        "difficulty": "easy",
        "places": "1",
        "deadline": timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "area": world.areas["A1-1"].code,
        "audience": "public",
        "idempotency_key": "long-description-1",
    }
    r = c.post("/tasks/new/", form)
    body = r.content.decode()
    assert r.status_code == 400 and "任务说明不能超过 2000 个字（现在 2250 个字）" in body
    assert f">{typed}</textarea>" in body
    assert not Task.objects.filter(title="清理楼道杂物").exists()
