"""Texts typed into tasks have a limit, named on the field with it, and the pages come back
with what was typed: a task's description (every resident reads it on the board) and the
note sent with any step of a task, a claim or a monthly list."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus, Task, TaskStatus
from shequ.tasks.tests.helpers import act, make_task, prove
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


def test_a_note_with_any_task_claim_or_list_step_is_limited(world):
    """Only a close's, a cancel's or a return's reason and a proof's note had a limit: a
    note sent with 发布, 验收通过, 撤回 or 报审 was kept whatever its length."""
    task = make_task(world, publish=False)
    with pytest.raises(ValidationFailed) as exc:
        services.transition_task(world.secretary_zhang, task.pk, "publish", "发" * 201)
    assert exc.value.fields == {"note": "说明不能超过 200 个字（现在 201 个字）"}
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DRAFT
    task = services.transition_task(world.secretary_zhang, task.pk, "publish", "发布")

    claim = services.claim_task(world.resident_wang, task.pk)
    with pytest.raises(ValidationFailed) as exc:
        act(world.resident_wang, claim, "withdraw", note="撤" * 1001)
    assert exc.value.fields == {"note": "说明不能超过 1000 个字（现在 1001 个字）"}
    with pytest.raises(ValidationFailed) as exc:
        prove(world.resident_wang, claim, note="换" * 1001)
    assert exc.value.fields == {"note": "说明不能超过 1000 个字（现在 1001 个字）"}
    claim = prove(world.resident_wang, claim)
    with pytest.raises(ValidationFailed) as exc:
        act(world.grid_worker_li, claim, "accept", note="验" * 800_000)
    assert exc.value.fields == {"note": "说明不能超过 1000 个字（现在 800000 个字）"}
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED

    month = f"{(timezone.localdate().replace(day=1) + timedelta(days=32)):%Y%m}"
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60))
    c = client_for(world.secretary_zhang)
    typed = "本月清单请街道审阅，" * 21  # 210 characters
    r = c.post(f"/tasks/monthly/{monthly.pk}/act/", {"action": "submit", "note": typed})
    body = r.content.decode()
    assert (
        r.status_code == 400
        and "说明不能超过 200 个字（现在 210 个字）" in body
        and f'value="{typed}"' in body
    )
    monthly.refresh_from_db()
    assert monthly.status == "draft"
