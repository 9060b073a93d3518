"""资源清单 kept up to date: a unit's contact changes hands, a team its leader, a venue its
equipment; a skill registered by mistake is removed; and each list is searched (找电工)
without letting anyone test the digits of a masked phone."""

import json

import pytest

from shequ.access.models import AuditEvent
from shequ.core import fieldcrypt
from shequ.core.errors import NotFound, ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import PartnerUnit, ServiceTeam, Talent, Venue
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def unit(world, **kw):
    data = {"name": "供电所", "kind": "department", "area": world.areas["A1"].code} | kw
    return services.add_unit(world.secretary_zhang, services.UnitInput(**data))


def test_a_units_contact_is_corrected_and_a_blank_phone_keeps_the_number(world):
    u = unit(world, contact_name="李工", contact_phone="13800138000", services="电力抢修")
    services.update_unit(world.secretary_zhang, u.pk, contact_name="赵工", contact_phone="13900139000")
    u.refresh_from_db()
    assert u.contact_name == "赵工" and u.contact_phone_masked == "139****9000"
    assert fieldcrypt.decrypt(u.contact_phone_enc, "phone") == "13900139000"
    services.update_unit(world.secretary_zhang, u.pk, contact_phone="", services_text="电力抢修、线路巡查")
    u.refresh_from_db()
    assert u.contact_phone_masked == "139****9000" and u.services == "电力抢修、线路巡查"
    # The audit names the fields changed, never the number.
    rows = AuditEvent.objects.filter(event="resource.unit_edit", object_id=str(u.pk)).order_by("id")
    assert [r.detail["fields"] for r in rows] == [["联系人", "联系电话"], ["可提供的服务"]]
    assert "13900139000" not in json.dumps([r.detail for r in rows])
    with pytest.raises(ValidationFailed) as exc:
        services.update_unit(world.secretary_zhang, u.pk, contact_phone="12345")
    assert "contact_phone" in exc.value.fields
    with pytest.raises(NotFound):
        services.update_unit(world.outsider_zhao, u.pk, contact_name="外人")


def test_a_units_phone_is_taken_off_with_wu(world):
    """A blank keeps the number (the form shows it masked), so a contact who left kept
    theirs listed with no way to remove it: "无" takes it off."""
    u = unit(world, contact_name="李工", contact_phone="13800138000")
    staff = client_for(world.secretary_zhang)
    r = staff.patch(
        f"/api/v1/resources/units/{u.pk}", json.dumps({"contact_phone": "无"}), "application/json"
    )
    assert r.status_code == 200 and r.json()["contact_phone_masked"] == ""
    u.refresh_from_db()
    assert u.contact_phone_enc == "" and u.contact_phone_masked == ""
    rows = AuditEvent.objects.filter(event="resource.unit_edit", object_id=str(u.pk))
    assert [r.detail["fields"] for r in rows] == [["联系电话"]]
    # Nothing to take off: nothing written.
    services.update_unit(world.secretary_zhang, u.pk, contact_phone="无")
    assert rows.count() == 1


def test_the_unit_row_form_saves_and_a_refusal_comes_back_open_with_what_was_typed(world):
    u = unit(world, contact_name="李工", contact_phone="13800138000", services="抢修电话13800138000")
    c = client_for(world.secretary_zhang)
    page = c.get("/tasks/resources/?tab=unit").content.decode()
    assert "修改联系方式" in page and "13800138000" not in page
    # The services text holds a phone, so the form does not echo it back: blank keeps it.
    assert '<input type="hidden" name="services_kept" value="1">' in page
    form = {"form": "unit_edit", "unit": str(u.pk), "contact_name": "赵工", "services_kept": "1"}
    r = c.post("/tasks/resources/", form | {"contact_phone": "", "services": ""})
    assert r.status_code == 302 and r["Location"].endswith("?tab=unit")
    u.refresh_from_db()
    assert (u.contact_name, u.services) == ("赵工", "抢修电话13800138000")

    r = c.post("/tasks/resources/", form | {"contact_name": "钱工", "contact_phone": "1380013"})
    body = r.content.decode()
    assert r.status_code == 400 and "<details open>" in body
    assert 'value="钱工"' in body and 'value="1380013"' in body
    u.refresh_from_db()
    assert u.contact_name == "赵工"


def test_a_team_leader_and_a_venue_are_corrected_on_the_page(world):
    team = services.add_team(world.secretary_zhang, "巡逻队", "patrol", world.areas["A1"].code, "老王")
    venue = services.add_venue(world.secretary_zhang, "活动室", "venue", world.areas["A1"].code, "二楼", 30)
    c = client_for(world.secretary_zhang)
    r = c.post("/tasks/resources/", {"form": "team_edit", "team": str(team.pk), "leader": "老李"})
    assert r.status_code == 302 and ServiceTeam.objects.get(pk=team.pk).leader == "老李"
    r = c.post(
        "/tasks/resources/",
        {"form": "venue_edit", "venue": str(venue.pk), "description": "二楼东", "capacity": "零"},
    )
    assert r.status_code == 400 and "容量/数量必须是整数" in r.content.decode()
    assert 'value="二楼东"' in r.content.decode()
    r = c.post(
        "/tasks/resources/",
        {"form": "venue_edit", "venue": str(venue.pk), "description": "二楼东", "capacity": "40"},
    )
    assert r.status_code == 302
    venue.refresh_from_db()
    assert (venue.description, venue.capacity) == ("二楼东", 40)


@pytest.mark.parametrize("form", ["venue", "venue_edit"])
def test_a_venue_capacity_below_one_is_refused_with_its_real_range(world, form):
    """A new venue's capacity of -3 was told "不能小于 0", while the least is 1."""
    room = services.add_venue(world.secretary_zhang, "活动室", "venue", world.areas["A1"].code, "二楼", 30)
    fields = {"name": "会议室", "kind": "venue", "area": world.areas["A1"].code} if form == "venue" else {}
    c = client_for(world.secretary_zhang)
    for typed in ("-3", "0"):
        sent = {"form": form, "venue": str(room.pk), "description": "三楼", "capacity": typed, **fields}
        body = c.post("/tasks/resources/", sent).content.decode()
        assert "容量/数量不能小于 1" in body and "不能小于 0" not in body, typed
        assert 'value="三楼"' in body  # what was typed comes back
    assert not Venue.objects.filter(name="会议室").exists()
    assert Venue.objects.get(pk=room.pk).capacity == 30


def test_a_skill_is_removed_and_the_registry_is_searched_by_skill(world):
    wang = world.residents["A1-1-h1-r1"]
    li = world.residents["A1-2-h1-r1"]
    electrician = services.add_talent(world.secretary_zhang, wang.pk, "able", "电力", "电工、家电维修")
    services.add_talent(world.secretary_zhang, li.pk, "artist", "文艺", "二胡")
    c = client_for(world.secretary_zhang)
    found = c.get("/tasks/resources/", {"tab": "talent", "q": "电工"}).content.decode()
    assert wang.name in found and "二胡" not in found
    nothing = c.get("/tasks/resources/", {"tab": "talent", "q": "木工"}).content.decode()
    assert "没有找到“木工”" in nothing
    r = c.post("/tasks/resources/", {"form": "talent_remove", "talent": str(electrician.pk)})
    assert r.status_code == 302 and not Talent.objects.filter(pk=electrician.pk).exists()
    assert AuditEvent.objects.filter(event="resource.talent_remove").count() == 1
    r = c.post("/tasks/resources/", {"form": "talent_remove", "talent": str(electrician.pk)})
    assert r.status_code == 400 and "不存在或无权查看" in r.content.decode()


def test_a_search_by_digits_is_refused_so_a_masked_phone_cannot_be_guessed(world):
    unit(world, name="物业公司", services="报修电话13800138000")
    unit(world, name="供电所")
    c = client_for(world.secretary_zhang)
    page = c.get("/tasks/resources/", {"tab": "unit", "q": "1380"}).content.decode()
    assert "不能按电话或证件号码搜索" in page
    assert "供电所" in page  # the list is not narrowed by the digits
    api = client_for(world.secretary_zhang)
    r = api.get("/api/v1/resources/units/", {"q": "0013"})
    assert r.status_code == 400 and "q" in r.json()["fields"]
    r = api.get("/api/v1/resources/units/", {"q": "物业"})
    assert [row["name"] for row in r.json()["items"]] == ["物业公司"]


def test_the_api_corrects_resources_and_removes_a_skill(world):
    u = unit(world, contact_phone="13800138000")
    team = services.add_team(world.secretary_zhang, "巡逻队", "patrol", world.areas["A1"].code)
    venue = services.add_venue(world.secretary_zhang, "活动室", "venue", world.areas["A1"].code, "", 30)
    talent = services.add_talent(
        world.secretary_zhang, world.residents["A1-1-h1-r1"].pk, "able", "电力", "电工"
    )
    api = client_for(world.secretary_zhang)

    def patch(url, body):
        return api.patch(url, json.dumps(body), content_type="application/json")

    r = patch(f"/api/v1/resources/units/{u.pk}", {"contact_name": "赵工"})
    assert r.status_code == 200 and r.json()["contact_name"] == "赵工"
    assert PartnerUnit.objects.get(pk=u.pk).contact_phone_masked == "138****8000"  # kept
    r = patch(f"/api/v1/resources/units/{u.pk}", {"contact_phone": "电话"})
    assert r.status_code == 400 and "contact_phone" in r.json()["fields"]
    r = patch(f"/api/v1/resources/teams/{team.pk}", {"leader": "老李"})
    assert r.status_code == 200 and ServiceTeam.objects.get(pk=team.pk).leader == "老李"
    r = patch(f"/api/v1/resources/venues/{venue.pk}", {"capacity": 0})
    assert r.status_code == 400 and "capacity" in r.json()["fields"]
    assert Venue.objects.get(pk=venue.pk).capacity == 30
    r = api.delete(f"/api/v1/resources/talents/{talent.pk}")
    assert r.status_code == 204 and not Talent.objects.filter(pk=talent.pk).exists()
    r = client_for(world.outsider_zhao).patch(
        f"/api/v1/resources/teams/{team.pk}", json.dumps({"leader": "外人"}), content_type="application/json"
    )
    assert r.status_code == 404


def test_before_any_unit_the_member_form_says_to_register_one_first(world):
    page = client_for(world.secretary_zhang).get("/tasks/resources/?tab=unit").content.decode()
    assert "登记共建单位之后，才能为其添加成员" in page and "添加单位成员</button>" not in page
    unit(world)
    page = client_for(world.secretary_zhang).get("/tasks/resources/?tab=unit").content.decode()
    assert "添加单位成员</button>" in page


def test_masked_text_patched_back_unchanged_keeps_the_numbers(world):
    """The API shows numbers typed into a resource's free text masked; a client that
    PATCHes such a field back as it read it does not overwrite the numbers with stars."""
    u = unit(world, services="24小时抢修 值班13800138000")
    team = services.add_team(
        world.secretary_zhang, "志愿服务队", "volunteer", world.areas["A1"].code, "李队 13900139000"
    )
    room = services.add_venue(
        world.secretary_zhang, "活动室", "venue", world.areas["A1"].code, "钥匙找13700137000", 20
    )
    client = client_for(world.users["community_staff@A1"])
    for kind, field, row in (
        ("units", "services", u),
        ("teams", "leader", team),
        ("venues", "description", room),
    ):
        url = f"/api/v1/resources/{kind}/{row.pk}"
        stored = getattr(row, field)
        listed = client.get(f"/api/v1/resources/{kind}/").json()["items"]
        shown = next(x[field] for x in listed if x["id"] == row.pk)
        assert shown != stored and "****" in shown
        r = client.patch(url, json.dumps({field: shown}), "application/json")
        assert r.status_code == 200, r.content
        row.refresh_from_db()
        assert getattr(row, field) == stored, url
        r = client.patch(url, json.dumps({field: "已改为新内容"}), "application/json")
        row.refresh_from_db()
        assert r.status_code == 200 and getattr(row, field) == "已改为新内容", url


def test_a_mistyped_tab_opens_the_first_tab_with_its_rows(world):
    """?tab=teams (an old or mistyped link) counted the units under an empty table."""
    made = unit(world, name="错标签供电所")
    c = client_for(world.secretary_zhang)
    page = c.get("/tasks/resources/?tab=teams").content.decode()
    assert made.name in page
