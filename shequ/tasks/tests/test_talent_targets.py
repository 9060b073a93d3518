"""A targeted task can be aimed at residents of the skills registry (能人、才人、艺人), as at
a unit or team (issue 4 §1): their logins are told on publication, see and claim it, and
the points go to their own account."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.access.masking import mask_name
from shequ.core.errors import NotFound
from shequ.notifications.models import Notification
from shequ.points.models import Account
from shequ.tasks import services
from shequ.tasks.models import Award, ClaimStatus
from shequ.tasks.tests.helpers import act, prove

pytestmark = pytest.mark.django_db


def electrician(world, key="A1-1-h1-r1", actor=None):
    return services.add_talent(
        actor or world.secretary_zhang, world.residents[key].pk, "able", "电工", "家电维修"
    )


def body(world, **kw):
    return {
        "title": "修理活动室空调",
        "description": "社区活动室空调不制冷，请能人帮忙检修",
        "category": "appliance_repair",
        "difficulty": "normal",
        "places": 1,
        "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        "area": world.areas["A1"].code,
        "audience": "targeted",
        **kw,
    }


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_a_task_aimed_at_a_skilled_resident_is_theirs_to_claim_and_pays_them(world):
    talent = electrician(world)
    name = world.residents["A1-1-h1-r1"].name
    staff = Client()
    staff.force_login(world.secretary_zhang)
    r = post(staff, "/api/v1/tasks/", body(world, target_talents=[talent.pk]))
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["target_talent_ids"] == [talent.pk] and created["target_talents"] == [f"{name}（电工）"]
    task_id = created["id"]
    wang, neighbour = world.resident_wang, world.users["resident@A1-1-h2"]
    assert post(staff, f"/api/v1/tasks/{task_id}/publish", {}).status_code == 200
    assert Notification.objects.filter(user=wang, link=f"/tasks/{task_id}/").exists()
    assert not Notification.objects.filter(user=neighbour, link=f"/tasks/{task_id}/").exists()
    # The skilled resident sees it (their name masked to them as to any non-staff viewer).
    c = Client()
    c.force_login(wang)
    listed = c.get("/api/v1/tasks/").json()["items"]
    mine = next(t for t in listed if t["id"] == task_id)
    assert mine["target_talents"] == [f"{mask_name(name)}（电工）"]
    page = c.get(f"/tasks/{task_id}/").content.decode()
    assert f"{mask_name(name)}（电工）" in page and 'value="claim"' in page
    # A neighbour is not aimed at: the task is not theirs to see or claim.
    n = Client()
    n.force_login(neighbour)
    assert task_id not in [t["id"] for t in n.get("/api/v1/tasks/").json()["items"]]
    with pytest.raises(NotFound):
        services.claim_task(neighbour, task_id)
    claim = prove(wang, services.claim_task(wang, task_id))
    assert claim.unit_id is None
    assert act(world.secretary_zhang, claim, "accept").status == ClaimStatus.ACCEPTED
    award = Award.objects.get(task_id=task_id)
    assert award.user_id == wang.pk and award.unit_id is None
    assert Account.objects.get(user=wang).balance == award.points


def test_only_skilled_residents_in_scope_can_be_targeted(world):
    elsewhere = electrician(world, "B1-1-h1-r1", actor=world.outsider_zhao)
    staff = Client()
    staff.force_login(world.secretary_zhang)
    r = post(staff, "/api/v1/tasks/", body(world, target_talents=[elsewhere.pk]))
    assert r.status_code == 400
    assert r.json()["fields"]["targets"] == "定向的能人、才人、艺人须是您管辖范围内登记的居民"
    r = post(staff, "/api/v1/tasks/", body(world))
    assert r.json()["fields"]["targets"] == "定向任务请至少选择一个单位、服务队或能人"


def test_the_task_editor_offers_the_skills_registry_and_keeps_the_choice(world):
    talent = electrician(world)
    c = Client()
    c.force_login(world.secretary_zhang)
    editor = c.get("/tasks/new/").content.decode()
    # With the household: two 王伟 electricians are told apart.
    r1 = world.residents["A1-1-h1-r1"]
    home = f"{r1.household.building.name} {r1.household.address}"
    assert f'<option value="{talent.pk}">{r1.name}（能人·电工，{home}）</option>' in editor
    form = body(world, target_talents=[str(talent.pk)], publish="")
    form["deadline"] = timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    form |= {"idempotency_key": "talent-editor-1", "title": "x"}  # too short: comes back
    r = c.post("/tasks/new/", form)
    assert r.status_code == 400
    assert f'<option value="{talent.pk}" selected>' in r.content.decode()  # the choice is kept
    form["title"] = "修理活动室空调"
    r = c.post("/tasks/new/", form)
    assert r.status_code == 302
    task_id = int(r["Location"].rstrip("/").rsplit("/", 1)[1])
    edit = c.get(f"/tasks/{task_id}/edit/").content.decode()
    assert f'<option value="{talent.pk}" selected>' in edit
