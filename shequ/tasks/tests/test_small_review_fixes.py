"""Small things from the user review: a refused return names the field the API client
sent; a service date is neither in the future nor before last year; a targeted task says
whom it targets; the board shows the person's own claim instead of offering 接单 again;
a catalogue stock below 0 says so."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.points import services as points
from shequ.points.tests.helpers import party_member
from shequ.tasks import services
from shequ.tasks.tests.helpers import act, make_task, prove, unit_task, unit_with_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_an_empty_return_reason_is_named_reason_in_the_api(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    r = client_for(world.grid_worker_li).post(
        f"/api/v1/claims/{claim.pk}/return", json.dumps({"reason": " "}), content_type="application/json"
    )
    assert r.status_code == 400
    assert list(r.json()["fields"]) == ["reason"] and "原因" in r.json()["fields"]["reason"]


def test_a_service_date_before_last_year_or_in_the_future_is_refused(world):
    member = party_member(world)
    today = timezone.localdate()
    for served_on in (date(1900, 1, 1), date(today.year - 1, 1, 1) - timedelta(days=1)):
        with pytest.raises(ValidationFailed) as exc:
            points.record_service(
                world.secretary_zhang,
                points.ServiceInput(
                    member=member.pk, kind="errand", note="代办医保", points=5, served_on=served_on
                ),
            )
        assert f"{today.year - 1}年01月01日" in exc.value.fields["served_on"]
    with pytest.raises(ValidationFailed) as exc:
        points.record_service(
            world.secretary_zhang,
            points.ServiceInput(
                member=member.pk,
                kind="errand",
                note="代办医保",
                points=5,
                served_on=today + timedelta(days=1),
            ),
        )
    assert "served_on" in exc.value.fields
    first = date(today.year - 1, 1, 1)
    record = points.record_service(
        world.secretary_zhang,
        points.ServiceInput(member=member.pk, kind="errand", note="代办医保", points=5, served_on=first),
    )
    assert record.served_on == first


def test_a_targeted_task_names_its_units_and_teams(world):
    unit, _ = unit_with_member(world)
    team = services.add_team(world.secretary_zhang, "红马甲志愿服务队", "volunteer", world.areas["A1"].code)
    task = unit_task(world, unit, target_teams=[team.pk])
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/{task.pk}/").content.decode()
    assert "区供电所" in page and "红马甲志愿服务队" in page
    body = staff.get(f"/api/v1/tasks/{task.pk}").json()
    assert body["target_units"] == ["区供电所"] and body["target_teams"] == ["红马甲志愿服务队"]


def test_the_board_shows_the_persons_claim_instead_of_offering_it_again(world):
    held = make_task(world, title="更换楼道灯泡")
    done = make_task(world, title="清理楼道杂物")
    fresh = make_task(world, title="看望独居老人")
    services.claim_task(world.resident_wang, held.pk)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, done.pk))
    act(world.grid_worker_li, claim, "accept")
    page = client_for(world.resident_wang).get("/tasks/").content.decode()
    rows = {t: page.split(t, 1)[1].split("</li>", 1)[0] for t in (held.title, done.title, fresh.title)}
    assert "我的接单：已接单" in rows[held.title]
    assert "我的接单：已验收" in rows[done.title]
    assert "我的接单" not in rows[fresh.title]


def test_a_stock_below_zero_is_named_as_such(world):
    r = client_for(world.secretary_zhang).post(
        "/points/catalogue/",
        {
            "name": "大米",
            "price": "30",
            "stock": "-1",
            "per_person_limit": "1",
            "area": world.areas["A1"].code,
        },
    )
    assert r.status_code == 400 and "库存须在 0 到 1000000 件之间" in r.content.decode()


def test_a_return_reason_is_cleared_by_the_new_proof_and_kept_in_the_timeline(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    claim = act(world.grid_worker_li, claim, "return", note="照片看不清")
    assert claim.return_reason == "照片看不清"
    claim = prove(world.resident_wang, claim, note="重新拍了")
    assert claim.return_reason == ""
    assert claim.events.filter(action="return", note="照片看不清").exists()
    claim = act(world.grid_worker_li, claim, "accept")
    mine = client_for(world.resident_wang).get("/tasks/mine/").content.decode()
    assert "照片看不清" not in mine
    api = client_for(world.resident_wang).get(f"/api/v1/claims/{claim.pk}").json()
    assert api["status"] == "accepted" and api["return_reason"] == ""


def test_a_grid_worker_finds_the_acceptance_queue_from_every_page(world):
    c = client_for(world.grid_worker_li)
    for url in ("/", "/tasks/"):
        assert 'href="/tasks/queue/"' in c.get(url).content.decode(), url
    board = c.get("/tasks/").content.decode()
    assert 'href="/tasks/resources/"' in board and "暂无可接的任务" not in board
    # A resident is offered no queue.
    assert 'href="/tasks/queue/"' not in client_for(world.resident_wang).get("/tasks/").content.decode()


def test_the_task_editor_saves_one_task_when_its_form_is_sent_twice(world):
    import re

    from shequ.tasks.models import Task

    c = client_for(world.secretary_zhang)
    found = re.search(r'name="idempotency_key" value="([^"]*)"', c.get("/tasks/new/").content.decode())
    assert found is not None and found[1]
    key = found[1]
    deadline = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "清理2号楼楼道小广告（双击）",
        "description": "2号楼楼道小广告清理",
        "category": "clear_ads",
        "difficulty": "easy",
        "places": "2",
        "deadline": deadline,
        "area": world.areas["A1-1"].code,
        "audience": "public",
        "publish": "1",
        "idempotency_key": key,
    }
    # A refused form comes back with the same key, so the corrected one is still one task.
    body = c.post("/tasks/new/", {**form, "places": "0"}).content.decode()
    assert f'value="{key}"' in body
    first, second = c.post("/tasks/new/", form), c.post("/tasks/new/", form)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Task.objects.filter(title="清理2号楼楼道小广告（双击）").count() == 1


def test_a_published_task_past_its_deadline_says_so(world):
    from shequ.tasks.models import Task

    task = make_task(world)
    services.claim_task(world.resident_wang, task.pk)
    staff = client_for(world.secretary_zhang)
    assert "已过截止时间" not in staff.get(f"/tasks/{task.pk}/").content.decode()
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert "已过截止时间" in staff.get("/tasks/?status=published").content.decode()
    assert "已过截止时间" in staff.get(f"/tasks/{task.pk}/").content.decode()
    assert staff.get(f"/api/v1/tasks/{task.pk}").json()["past_deadline"] is True
    assert "已过截止时间" in client_for(world.resident_wang).get("/tasks/mine/").content.decode()


def test_a_partner_units_board_lists_the_tasks_for_its_unit_not_the_public_ones(world):
    public = make_task(world, key="A1", title="公开任务：清理小广告")
    unit, partner = unit_with_member(world)
    targeted = unit_task(world, unit)
    c = client_for(partner)
    board = c.get("/tasks/").content.decode()
    assert targeted.title in board and public.title not in board
    listed = {t["id"] for t in c.get("/api/v1/tasks/").json()["items"]}
    assert targeted.pk in listed and public.pk not in listed
    # A resident of the community still sees the public one.
    assert public.title in client_for(world.resident_wang).get("/tasks/").content.decode()


def test_a_venue_capacity_that_is_not_a_number_is_named_so(world):
    c = client_for(world.secretary_zhang)
    form = {
        "form": "venue",
        "name": "活动室",
        "kind": "venue",
        "area": world.areas["A1"].code,
        "capacity": "十",
    }
    body = c.post("/tasks/resources/", form).content.decode()
    assert "容量/数量必须是整数" in body and 'value="十"' in body and 'value="活动室"' in body


def test_a_partner_login_in_no_unit_is_told_why_its_board_is_empty(world):
    partner = world.users["partner_unit@A1"]
    body = client_for(partner).get("/tasks/").content.decode()
    assert "还不是任何共建单位的成员" in body
    unit_with_member(world)
    assert "还不是任何共建单位的成员" not in client_for(partner).get("/tasks/").content.decode()
    assert (
        "还不是任何共建单位的成员"
        not in client_for(world.resident_wang).get("/tasks/?q=无此任务").content.decode()
    )
    # An auditor or a building head sees no tasks either, but is no unit's login.
    for key in ("auditor@A", "building_head@A1-1-b"):
        assert "还不是任何共建单位的成员" not in client_for(world.users[key]).get("/tasks/").content.decode()


def test_a_phone_typed_into_the_resource_lists_free_text_is_masked(world):
    """A unit's own contact phone is masked and read in full only by a recorded reveal; one
    typed into its services, a team's leader or a skill was shown in full to all staff."""
    import json

    from shequ.tasks import services
    from shequ.testing.clients import client_for

    a1 = world.areas["A1"].code
    services.add_team(world.secretary_zhang, "志愿队", "volunteer", a1, "李队长 13700001111")
    services.add_unit(
        world.secretary_zhang,
        services.UnitInput(name="物业", kind="property_company", area=a1, services="维修 电话13900005678"),
    )
    reader = world.user("community_staff@A1")
    api = client_for(reader)
    teams = json.dumps(api.get("/api/v1/resources/teams/").json(), ensure_ascii=False)
    units = json.dumps(api.get("/api/v1/resources/units/").json(), ensure_ascii=False)
    assert "13700001111" not in teams and "137****1111" in teams
    assert "13900005678" not in units and "139****5678" in units
    units_page = api.get("/tasks/resources/").content.decode()
    teams_page = api.get("/tasks/resources/", {"tab": "team"}).content.decode()
    assert "13900005678" not in units_page and "139****5678" in units_page
    assert "13700001111" not in teams_page and "137****1111" in teams_page


@pytest.mark.parametrize("problem", ["abc", "99999999999999999999999"])
def test_an_editor_sent_back_with_a_problem_field_that_is_no_id_is_not_a_server_error(world, problem):
    """The editor's hidden 来源问题 field, altered or cut short, made a refused form's page
    fail on its link to the problem (a server error), and a form otherwise right was saved
    as a task from no problem."""
    form = {
        "title": "清理楼道杂物",
        "description": "3单元楼道堆放杂物，需要清理",
        "category": "replace_bulb",
        "difficulty": "easy",
        "places": 2,
        "deadline": f"{timezone.localdate() + timedelta(days=10)}T18:00",
        "area": world.areas["A1-1"].code,
        "audience": "public",
        "problem": problem,
    }
    staff = client_for(world.secretary_zhang)
    r = staff.post("/tasks/new/", form)
    assert r.status_code == 400
    page = r.content.decode()
    assert "问题不存在或无权查看" in page and "清理楼道杂物" in page  # what was typed is kept
    r = staff.post("/tasks/new/", form | {"title": ""})  # refused for another field too
    assert r.status_code == 400 and "问题不存在或无权查看" in r.content.decode()
