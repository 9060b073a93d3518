"""A department or team registered at the street (or district) serves every community
under it: a community's staff see it in the resource list, read only, and aim targeted
tasks at it; its members see, claim and are paid for them as for a community's own."""

import json

import pytest
from django.test import Client

from shequ.core.errors import NotFound, ValidationFailed
from shequ.notifications.models import Notification
from shequ.points.models import Account
from shequ.tasks import services
from shequ.tasks.models import Award, ClaimStatus
from shequ.tasks.tests.helpers import act, make_task, prove

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def street_unit(world, name="街道环卫所"):
    """A department of street A, with community A2's partner-unit login as its member."""
    dept = services.add_unit(
        world.street_chen,
        services.UnitInput(
            name=name,
            kind="department",
            area=world.areas["A"].code,
            contact_name="刘站长",
            contact_phone=PHONE,
        ),
    )
    member = world.users["partner_unit@A2"]
    services.add_unit_member(world.street_chen, dept.pk, member)
    return dept, member


def test_community_staff_can_target_a_department_registered_at_the_street(world):
    dept, _ = street_unit(world)
    task = make_task(
        world,
        key="A1",
        publish=False,
        title="化粪池清掏",
        category="septic",
        audience="targeted",
        target_units=[dept.pk],
    )
    assert list(task.target_units.all()) == [dept]
    # And a street's service team, the same way.
    team = services.add_team(world.street_chen, "街道巡逻队", "patrol", world.areas["A"].code)
    services.update_task(
        world.secretary_zhang,
        task.pk,
        services.TaskInput(
            title=task.title,
            description=task.description,
            category=task.category,
            difficulty=task.difficulty,
            places=task.places,
            deadline=task.deadline,
            area=world.areas["A1"].code,
            audience="targeted",
            target_units=[dept.pk],
            target_teams=[team.pk],
        ),
    )
    assert list(task.target_teams.all()) == [team]


def test_units_of_another_street_or_below_a_sibling_stay_out_of_reach(world):
    other_street = services.add_unit(
        world.users["street_admin@B"],
        services.UnitInput(name="外街道环卫所", kind="department", area=world.areas["B"].code),
    )
    sibling = services.add_unit(
        world.users["community_secretary@A2"],
        services.UnitInput(name="兄弟社区物业", kind="property_company", area=world.areas["A2"].code),
    )
    for unit in (other_street, sibling):
        with pytest.raises(ValidationFailed) as exc:
            make_task(world, key="A1", publish=False, audience="targeted", target_units=[unit.pk])
        assert exc.value.fields["targets"] == "定向对象须是您管辖范围内的共建单位或服务队"
    c = Client()
    c.force_login(world.secretary_zhang)
    names = {u["name"] for u in c.get("/api/v1/resources/units/").json()["items"]}
    assert "外街道环卫所" not in names and "兄弟社区物业" not in names


def test_the_street_department_is_listed_read_only_to_community_staff(world):
    dept, member = street_unit(world)
    team = services.add_team(world.street_chen, "街道巡逻队", "patrol", world.areas["A"].code)
    services.add_team_member(world.street_chen, team.pk, world.residents["A2-1-h1-r1"].pk)
    c = Client()
    c.force_login(world.secretary_zhang)
    found = c.get("/api/v1/resources/units/", {"q": "环卫所"}).json()["items"]
    assert [u["id"] for u in found] == [dept.pk]
    # Masked phone, no members named (people outside the viewer's scope), marked read only.
    assert found[0]["contact_phone_masked"] == "139****5678" and found[0]["members"] == []
    assert found[0]["registered_above"] is True and PHONE not in json.dumps(found)
    teams = c.get("/api/v1/resources/teams/", {"q": "巡逻队"}).json()["items"]
    assert [(t["id"], t["size"], t["members"], t["registered_above"]) for t in teams] == [
        (team.pk, 1, [], True)
    ]
    page = c.get("/tasks/resources/?tab=unit&q=环卫所").content.decode()
    assert "街道环卫所" in page and str(member) not in page and PHONE not in page
    assert 'value="unit_edit"' not in page and 'value="unit_member_remove"' not in page
    assert f'<option value="{dept.pk}"' not in page  # not offered to add members to
    page = c.get("/tasks/resources/?tab=team&q=巡逻队").content.decode()
    assert "街道巡逻队" in page and world.residents["A2-1-h1-r1"].name not in page
    assert 'value="team_edit"' not in page and 'value="member_remove"' not in page
    # The task editor offers them, with where they are registered.
    editor = c.get("/tasks/new/").content.decode()
    assert f'<option value="{dept.pk}">街道环卫所（{world.areas["A"].name}）</option>' in editor
    # Managing them stays with the street: edit, members, the full phone.
    r = c.patch(f"/api/v1/resources/units/{dept.pk}", json.dumps({"contact_name": "改"}), "application/json")
    assert r.status_code == 404
    r = c.post(
        f"/api/v1/resources/units/{dept.pk}/contact-phone",
        json.dumps({"reason": "联系清掏"}),
        "application/json",
    )
    assert r.status_code == 404 and PHONE not in r.content.decode()
    with pytest.raises(NotFound):
        services.add_unit_member(world.secretary_zhang, dept.pk, world.users["partner_unit@A1"])
    with pytest.raises(NotFound):
        services.remove_unit_member(world.secretary_zhang, dept.pk, member.pk)
    with pytest.raises(NotFound):
        services.add_team_member(world.secretary_zhang, team.pk, world.resident_wang.resident_id)
    # The street's own staff still see and manage it in full.
    s = Client()
    s.force_login(world.street_chen)
    mine = s.get("/api/v1/resources/units/", {"q": "环卫所"}).json()["items"]
    assert mine[0]["registered_above"] is False and [m["id"] for m in mine[0]["members"]] == [member.pk]


def test_the_departments_member_sees_claims_and_earns_for_the_unit(world):
    dept, member = street_unit(world)
    task = make_task(
        world, key="A1", title="化粪池清掏", category="septic", audience="targeted", target_units=[dept.pk]
    )
    assert Notification.objects.filter(user=member, link=f"/tasks/{task.pk}/").exists()
    c = Client()
    c.force_login(member)
    assert [t["id"] for t in c.get("/api/v1/tasks/").json()["items"]] == [task.pk]
    claim = prove(member, services.claim_task(member, task.pk))
    assert claim.unit_id == dept.pk
    assert act(world.secretary_zhang, claim, "accept").status == ClaimStatus.ACCEPTED
    award = Award.objects.get(task=task)
    assert award.unit_id == dept.pk
    assert Account.objects.get(unit=dept).balance == task.points
    assert not Account.objects.filter(user=member).exists()


def test_a_communitys_venues_are_listed_to_its_grid_workers_read_only(world):
    """The grid workers book the community's 活动室 for residents, but venues were listed
    to the community's own staff only; now they follow units and teams: listed below
    where they are registered, read only, edited where they are."""
    room = services.add_venue(
        world.secretary_zhang, "社区活动室", "venue", world.areas["A1"].code, "二楼", 40
    )
    hall = services.add_venue(world.street_chen, "街道礼堂", "venue", world.areas["A"].code, "", 200)
    sibling = services.add_venue(
        world.users["community_secretary@A2"], "兄弟社区活动室", "venue", world.areas["A2"].code, "", 30
    )
    grid = Client()
    grid.force_login(world.grid_worker_li)
    found = grid.get("/api/v1/resources/venues/").json()["items"]
    assert {(v["id"], v["registered_above"]) for v in found} == {(room.pk, True), (hall.pk, True)}
    page = grid.get("/tasks/resources/?tab=venue").content.decode()
    assert "社区活动室" in page and "街道礼堂" in page and "兄弟社区活动室" not in page
    assert 'value="venue_edit"' not in page
    # The community's staff edit their own room, not the street's hall listed to them.
    c = Client()
    c.force_login(world.secretary_zhang)
    mine = {v["id"]: v["registered_above"] for v in c.get("/api/v1/resources/venues/").json()["items"]}
    assert mine == {room.pk: False, hall.pk: True} and sibling.pk not in mine
    page = c.get("/tasks/resources/?tab=venue").content.decode()
    assert page.count('value="venue_edit"') == 1 and f'name="venue" value="{room.pk}"' in page
    r = c.patch(f"/api/v1/resources/venues/{hall.pk}", json.dumps({"capacity": 300}), "application/json")
    assert r.status_code == 404
    r = grid.patch(f"/api/v1/resources/venues/{room.pk}", json.dumps({"capacity": 50}), "application/json")
    assert r.status_code == 404
    room.refresh_from_db()
    hall.refresh_from_db()
    assert (room.capacity, hall.capacity) == (40, 200)
