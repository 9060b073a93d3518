import pytest
from django.test import Client

from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import act, grid_point, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_resident_reports_on_the_page_and_follows_it(world):
    c = client_for(world.resident_wang)
    assert "上报问题" in c.get("/problems/new/").content.decode()
    lon, lat = grid_point(world)
    r = c.post(
        "/problems/new/",
        {
            "category": "blocked_drain",
            "description": "下水道堵了",
            "lon": lon,
            "lat": lat,
            "idempotency_key": "k-1",
            "photos": [jpeg()],
        },
    )
    assert r.status_code == 302
    problem = Problem.objects.get(reporter=world.resident_wang, idempotency_key="k-1")
    page = c.get(r["Location"]).content.decode()
    assert problem.number in page and "已上报" in page and "/problems/photos/" in page
    # A repeated submission (same key) does not create a second problem.
    r2 = c.post(
        "/problems/new/",
        {
            "category": "blocked_drain",
            "description": "下水道堵了",
            "lon": lon,
            "lat": lat,
            "idempotency_key": "k-1",
        },
    )
    assert r2.status_code == 302 and Problem.objects.filter(reporter=world.resident_wang).count() == 1
    assert problem.number in c.get("/problems/mine/").content.decode()


def test_bad_report_keeps_what_was_typed_and_names_the_fields(world):
    c = client_for(world.resident_wang)
    r = c.post("/problems/new/", {"category": "", "description": "水管漏水很严重", "address": "3号楼"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "请选择问题类别" in body and "水管漏水很严重" in body and 'value="3号楼"' in body


def test_staff_board_filters_and_acts_from_the_detail_page(world):
    p = report(world, photos=[jpeg()])
    staff = client_for(world.users["community_staff@A1"])
    board = staff.get("/problems/", {"status": "reported"}).content.decode()
    assert f'href="/problems/{p.pk}/"' in board
    assert f'href="/problems/{p.pk}/"' not in staff.get("/problems/", {"status": "closed"}).content.decode()
    page = staff.get(f"/problems/{p.pk}/").content.decode()
    assert "立案" in page and "不予立案" in page
    r = staff.post(f"/problems/{p.pk}/act/", {"action": "reject", "note": ""})
    assert r.status_code == 400 and "需要填写说明" in r.content.decode()
    r = staff.post(f"/problems/{p.pk}/act/", {"action": "accept"})
    assert r.status_code == 302
    assert Problem.objects.get(pk=p.pk).status == Status.ACCEPTED


def test_photos_are_served_only_to_those_who_may_see_the_problem(world):
    p = report(world, photos=[jpeg()])
    photo = p.photos.first()
    assert client_for(world.resident_wang).get(f"/problems/photos/{photo.pk}/").status_code == 200
    assert client_for(world.secretary_zhang).get(f"/problems/photos/{photo.pk}/").status_code == 200
    assert client_for(world.users["resident@A1-1-h2"]).get(f"/problems/photos/{photo.pk}/").status_code == 404
    assert client_for(world.outsider_zhao).get(f"/problems/photos/{photo.pk}/").status_code == 404


def test_map_shades_grids_and_shows_pins(world):
    p = report(world)
    body = client_for(world.secretary_zhang).get("/problems/map/").content.decode()
    assert '"open": 1' in body and f'"id": {p.pk}' in body


def test_grid_worker_inbox_and_nearby_duplicates(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    inbox = client_for(world.grid_worker_li).get("/problems/inbox/").content.decode()
    assert f'href="/problems/{p.pk}/"' in inbox
    lon, lat = grid_point(world)
    near = (
        client_for(world.users["resident@A1-1-h2"])
        .get("/problems/nearby/", {"category": "neighbour_dispute", "lon": lon + 0.0003, "lat": lat})
        .content.decode()
    )
    assert p.number in near
    far = (
        client_for(world.users["resident@A1-1-h2"])
        .get("/problems/nearby/", {"category": "neighbour_dispute", "lon": lon + 0.003, "lat": lat})
        .content.decode()
    )
    assert p.number not in far


def test_notifications_page_lists_and_marks_read(world):
    report(world)
    c = client_for(world.users["community_staff@A1"])
    assert "新问题待立案" in c.get("/notifications/").content.decode()
    assert c.post("/notifications/read/").status_code == 302


def test_street_level_problems_are_on_the_joint_meeting_agenda(world):
    p = report(world, category="fire_lane")
    act(world, world.street_chen, p, "accept")
    act(world, world.street_chen, p, "dispatch")
    c = client_for(world.street_chen)
    page = c.get("/problems/agenda/").content.decode()
    assert p.number in page and "待讨论" in page
    item = p.agenda_item
    assert c.post("/problems/agenda/", {"item": item.pk}).status_code == 302
    assert "已于" in c.get("/problems/agenda/").content.decode()
    assert client_for(world.outsider_zhao).post("/problems/agenda/", {"item": item.pk}).status_code == 404
    # What is still to discuss comes first, on both databases (PostgreSQL sorts NULL last).
    later = report(world, category="fire_lane")
    act(world, world.street_chen, later, "accept")
    act(world, world.street_chen, later, "dispatch")
    page = c.get("/problems/agenda/").content.decode()
    assert page.index(later.number) < page.index(p.number)


def test_grid_worker_reports_on_behalf_of_a_resident_by_id_number(world):
    c = client_for(world.grid_worker_li)
    lon, lat = grid_point(world)
    target = world.residents["A1-1-h2-r1"]
    r = c.post(
        "/problems/new/",
        {
            "category": "garbage",
            "description": "王大爷反映垃圾没人收",
            "source": "on_behalf",
            "lon": lon,
            "lat": lat,
            "on_behalf_id_number": world.full_values[target.pk][0],
        },
    )
    assert r.status_code == 302
    assert Problem.objects.filter(reporter=world.grid_worker_li, on_behalf_of=target).exists()
    outside = world.residents["B1-1-h1-r1"]
    r = c.post(
        "/problems/new/",
        {
            "category": "garbage",
            "description": "代报外街道居民",
            "source": "on_behalf",
            "lon": lon,
            "lat": lat,
            "on_behalf_id_number": world.full_values[outside.pk][0],
        },
    )
    assert r.status_code == 400 and "您管辖范围内没有该身份证号的居民" in r.content.decode()
    # A surname or the start of a number finds nobody: no one is picked for the worker.
    for typed in (target.name[0], world.full_values[target.pk][0][:10]):
        r = c.post(
            "/problems/new/",
            {
                "category": "garbage",
                "description": "只填了姓",
                "source": "on_behalf",
                "lon": lon,
                "lat": lat,
                "on_behalf_id_number": typed,
            },
        )
        body = r.content.decode()
        assert r.status_code == 400 and "请填写代报居民完整、有效的身份证号" in body
        assert f'value="{typed}"' in body
    assert not Problem.objects.filter(description="只填了姓").exists()


def test_a_behalf_id_number_is_not_dropped_when_the_source_is_left_as_it_was(world):
    """An ID number typed with the source left at 居民上报 filed the worker's own report,
    and the elder it was for was lost without a word; 代报 with no number asked the worker
    to "choose" a resident the form has no list of."""
    c = client_for(world.grid_worker_li)
    lon, lat = grid_point(world)
    number = world.full_values[world.residents["A1-1-h2-r1"].pk][0]
    base = {"category": "garbage", "description": "王大爷反映垃圾没人收", "lon": lon, "lat": lat}
    r = c.post("/problems/new/", {**base, "source": "resident", "on_behalf_id_number": number})
    body = r.content.decode()
    assert r.status_code == 400 and "来源却不是“网格员代报”" in body
    assert f'value="{number}"' in body and "王大爷反映垃圾没人收" in body
    r = c.post("/problems/new/", {**base, "source": "on_behalf", "on_behalf_id_number": " "})
    assert r.status_code == 400 and "网格员代报须填写代报居民的身份证号" in r.content.decode()
    assert not Problem.objects.filter(description="王大爷反映垃圾没人收").exists()


def test_the_api_refuses_an_order_number_or_a_resident_sent_with_the_source_left_as_resident(world):
    """The page refused them; the API dropped them without a word (the order missing from
    the 接诉即办 ledger, the resident a 代报 was for lost)."""
    import json

    api = client_for(world.grid_worker_li)
    lon, lat = grid_point(world)
    elder = world.residents["A1-1-h2-r1"]
    base = {"category": "garbage", "description": "王大爷反映垃圾没人收", "lon": lon, "lat": lat}

    def send(body):
        return api.post("/api/v1/problems/", json.dumps(body), content_type="application/json")

    r = send({**base, "hotline_order_no": "12345-20261124-0001", "on_behalf_of": elder.pk})
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"hotline_order_no", "on_behalf_of"}
    assert "来源却不是“12345热线”" in r.json()["fields"]["hotline_order_no"]
    assert not Problem.objects.filter(description="王大爷反映垃圾没人收").exists()
    # With the source chosen on purpose, a leftover is ignored as before.
    r = send({**base, "source": "patrol", "hotline_order_no": "12345-20261124-0001"})
    assert r.status_code == 201
    assert Problem.objects.get(pk=r.json()["id"]).hotline_order_no == ""


def test_board_chips_count_by_status_and_overdue(world):
    from datetime import timedelta

    from django.utils import timezone

    first, second = report(world), report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, second, "accept")
    act(world, world.secretary_zhang, second, "dispatch")
    Problem.objects.filter(pk=second.pk).update(due_at=timezone.now() - timedelta(hours=1))
    c = client_for(world.secretary_zhang)
    chips = c.get("/problems/counts/", {"area": world.areas["A1"].code}).content.decode()
    assert "已上报 <b>1</b>" in chips and "已派遣 <b>1</b>" in chips and "超期 <b>1</b>" in chips
    board = c.get("/problems/", {"overdue": "1"}).content.decode()
    assert f'href="/problems/{second.pk}/"' in board and f'href="/problems/{first.pk}/"' not in board
    assert "/problems/counts/" in board  # the chips load after the list
    api = c.get("/api/v1/problems/", {"status": "dispatched"}).json()
    assert api["count"] == 1 and api["count_exact"] is True


def test_the_action_form_keeps_the_choices_made_when_refused(world):
    p = report(world)
    staff = client_for(world.secretary_zhang)
    r = staff.post(
        f"/problems/{p.pk}/act/", {"action": "accept", "level": "street", "responsible_role": "secretary"}
    )
    body = r.content.decode()
    assert r.status_code == 400
    assert '<option value="street" selected>' in body and '<option value="secretary" selected>' in body
    assert "<details open>" in body
    for action in ("accept", "dispatch", "start"):
        act(world, world.users["community_staff@A1"], p, action)
    act(world, world.users["community_staff@A1"], p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_pass")
    resident = client_for(world.resident_wang)
    r = resident.post(f"/problems/{p.pk}/act/", {"action": "evaluate", "satisfaction": "5"})
    body = r.content.decode()
    assert r.status_code == 400 and '<option value="5" selected>' in body
    r = resident.post(f"/problems/{p.pk}/act/", {"action": "evaluate", "resolved": "1"})
    assert 'name="resolved" value="1" checked' in r.content.decode()


def test_staff_merge_by_the_number_shown_and_see_the_candidates(world):
    first = report(world)
    second = report(world, actor=world.users["resident@A1-1-h2"])
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/problems/{second.pk}/").content.decode()
    assert first.number in page  # offered as a duplicate to merge into
    r = staff.post(f"/problems/{second.pk}/act/", {"action": "merge", "into": first.number})
    assert r.status_code == 302
    second.refresh_from_db()
    assert (second.status, second.merged_into_id) == (Status.MERGED, first.pk)
    # The merged problem names the survivor by its 编号, as merging did (not its bare id).
    merged = client_for(world.users["resident@A1-1-h2"]).get(f"/problems/{second.pk}/").content.decode()
    assert f'<a href="/problems/{first.pk}/">{first.number}</a>' in merged


def test_a_filter_value_that_is_not_a_choice_is_named(world):
    staff = client_for(world.secretary_zhang)
    r = staff.get("/problems/", {"status": "opened", "category": "drains"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "状态“opened”不在可选范围内" in body and "问题类别“drains”不存在" in body
    r = staff.get("/api/v1/problems/", {"level": "city"})
    assert r.status_code == 400 and r.json()["fields"] == {"level": "处置层级“city”不在可选范围内"}
    assert staff.get("/api/v1/problems/", {"status": "reported", "source": "resident"}).status_code == 200


def test_street_staff_enter_a_hotline_order_without_a_pin_by_choosing_the_place(world):
    c = client_for(world.street_chen)
    form = {
        "category": "hotline_order",
        "description": "12345转来：小区路灯不亮",
        "source": "hotline",
        "hotline_order_no": "GD20261122001",
        "address": "春元里3号楼",
    }
    r = c.post("/problems/new/", form)
    body = r.content.decode()
    assert r.status_code == 400 and "请在地图上标出位置或填写所在区域" in body
    assert f'<option value="{world.areas["A1"].code}">' in body  # the place can be chosen
    r = c.post("/problems/new/", {**form, "area": world.areas["A1"].code})
    assert r.status_code == 302
    p = Problem.objects.get(hotline_order_no="GD20261122001")
    assert p.area == world.areas["A1"] and p.reporter == world.street_chen


def test_street_admins_edit_the_category_catalogue_from_a_page(world):
    from shequ.problems.models import ProblemCategory

    assert client_for(world.secretary_zhang).get("/problems/categories/").status_code == 404
    c = client_for(world.street_chen)
    assert "化粪池清淤" in c.get("/problems/categories/").content.decode()
    new = {
        "code": "street_lamp",
        "name": "路灯不亮",
        "handling_level": "community",
        "ledger_type": "livelihood",
        "deadline_class": "utilities",
        "responsible_role": "community_staff",
        "sort": "15",
    }
    r = c.post("/problems/categories/", {**new, "name": "化粪池清淤", "code": "lamp!"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "已有名为“化粪池清淤”的类别" in body and "编码只能用英文字母" in body
    assert 'value="lamp!"' in body  # what was typed stays
    assert c.post("/problems/categories/", new).status_code == 302
    lamp = ProblemCategory.objects.get(code="street_lamp")
    assert (lamp.name, lamp.handling_level, lamp.active) == ("路灯不亮", "community", True)
    # Report it, then retire it: the problem keeps its level; the form no longer offers it.
    p = report(world, category="street_lamp")
    edit = {**new, "id": lamp.pk, "handling_level": "estate", "responsible_role": "grid_leader"}
    edit.pop("code")
    assert c.post("/problems/categories/", edit).status_code == 302  # unchecked: retired
    lamp.refresh_from_db()
    assert (lamp.handling_level, lamp.active) == ("estate", False)
    p.refresh_from_db()
    assert p.handling_level == "community"
    assert "路灯不亮" not in client_for(world.resident_wang).get("/problems/new/").content.decode()


def test_the_admin_saves_categories_through_the_same_checks(world):
    from shequ.access.models import User
    from shequ.problems.models import ProblemCategory

    admin = User.objects.create_superuser("catalogue-admin", password="admin-pass-2026")
    c = Client()
    c.force_login(admin)
    drain = ProblemCategory.objects.get(code="blocked_drain")
    form = {
        "code": "blocked_drain",
        "name": "管道堵塞",
        "handling_level": "estate",
        "ledger_type": "property",
        "deadline_class": "utilities",
        "responsible_role": "grid_leader",
        "active": "on",
        "sort": "3",
    }
    r = c.post(f"/admin/problems/problemcategory/{drain.pk}/change/", form)
    assert r.status_code == 302
    drain.refresh_from_db()
    assert (drain.handling_level, drain.responsible_role) == ("estate", "grid_leader")
    # The code is fixed once made: shown, not offered as a field whose edit is not saved.
    page = c.get(f"/admin/problems/problemcategory/{drain.pk}/change/").content.decode()
    assert "blocked_drain" in page and 'name="code"' not in page
    assert (
        c.post(f"/admin/problems/problemcategory/{drain.pk}/change/", {**form, "code": "drain2"}).status_code
        == 302
    )
    drain.refresh_from_db()
    assert drain.code == "blocked_drain"
    assert 'name="code"' in c.get("/admin/problems/problemcategory/add/").content.decode()


def test_the_street_overview_filters_by_community(world):
    here = report(world)
    other_key = next(k for k in world.areas if k.startswith("A2-") and world.areas[k].kind == "grid")
    there = report(world, actor=world.street_chen, key=other_key)
    r = client_for(world.street_chen).get("/problems/", {"area": world.areas["A1"].code})
    body = r.content.decode()
    assert r.status_code == 200
    assert f'<option value="{world.areas["A1"].code}" selected>' in body
    assert f'href="/problems/{here.pk}/"' in body and f'href="/problems/{there.pk}/"' not in body


def test_a_leftover_id_number_does_not_block_a_report_from_another_source(world):
    c = client_for(world.grid_worker_li)
    lon, lat = grid_point(world)
    r = c.post(
        "/problems/new/",
        {
            "category": "garbage",
            "description": "巡查发现垃圾堆放",
            "source": "patrol",
            "lon": lon,
            "lat": lat,
            "on_behalf_id_number": "1101",
        },
    )
    assert r.status_code == 302
    assert Problem.objects.get(description="巡查发现垃圾堆放").on_behalf_of is None


def test_the_resident_reported_for_follows_the_problem(world):
    from shequ.access.masking import mask_name
    from shequ.notifications.models import Notification
    from shequ.problems.ledgers import ledger_rows

    target = world.residents["A1-1-h1-r1"]
    resident = world.user("resident@A1-1-h1")
    assert resident.resident_id == target.pk
    lon, lat = grid_point(world)
    r = client_for(world.grid_worker_li).post(
        "/problems/new/",
        {
            "category": "garbage",
            "description": "代王大爷反映垃圾没人收",
            "source": "on_behalf",
            "lon": lon,
            "lat": lat,
            "on_behalf_id_number": world.full_values[target.pk][0],
        },
    )
    assert r.status_code == 302
    problem = Problem.objects.get(description="代王大爷反映垃圾没人收")
    c = client_for(resident)
    assert f'href="/problems/{problem.pk}/"' in c.get("/problems/mine/").content.decode()
    assert c.get(f"/problems/{problem.pk}/").status_code == 200
    act(world, world.secretary_zhang, problem, "accept")
    assert Notification.objects.filter(user=resident, link=f"/problems/{problem.pk}/").exists()
    # Staff see whom it was reported for, masked, on the page and in the ledger.
    page = client_for(world.secretary_zhang).get(f"/problems/{problem.pk}/").content.decode()
    assert "代报居民" in page and mask_name(target.name) in page and target.name not in page
    (row,) = ledger_rows(Problem.objects.filter(pk=problem.pk))
    assert row[-1].endswith(f"（代{mask_name(target.name)}）")


def test_a_neighbour_follows_a_problem_already_reported_instead_of_reporting_it_again(world):
    from shequ.core.errors import ValidationFailed
    from shequ.notifications.models import Notification

    p = report(world)
    channel = report(world, source="opinion_channel")
    neighbour = world.user("resident@A1-1-h2")
    c = client_for(neighbour)
    lon, lat = grid_point(world)
    here = {"lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}
    shown = c.get("/problems/nearby/", {"category": "blocked_drain", "lon": lon, "lat": lat}).content.decode()
    # Named without a link they could not open; followable, except the 民意直通车 report.
    assert p.number in shown and f'href="/problems/{p.pk}/"' not in shown
    assert f"/problems/{p.pk}/follow/" in shown and f"/problems/{channel.pk}/follow/" not in shown
    assert f'name="lon" value="{here["lon"]}"' in shown
    r = c.post(f"/problems/{p.pk}/follow/", here)
    followed = c.get(r["Location"])
    assert r.status_code == 302 and followed.status_code == 200
    assert "已关注这个问题" in followed.content.decode()  # it said nothing before
    assert f'href="/problems/{p.pk}/"' in c.get("/problems/mine/").content.decode()
    act(world, world.secretary_zhang, p, "accept")
    assert Notification.objects.filter(user=neighbour, link=f"/problems/{p.pk}/").exists()
    # Following is not reporting: the rating and the reopening stay the reporter's.
    for action in ("dispatch", "start"):
        act(world, world.secretary_zhang, p, action)
    act(world, world.secretary_zhang, p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.users["community_staff@A1"], p, "verify_pass")
    assert "evaluate" not in c.get(f"/api/v1/problems/{p.pk}").json()["allowed_actions"]
    with pytest.raises(ValidationFailed, match="无权"):
        act(world, neighbour, p, "evaluate", resolved=True, satisfaction=1)
    assert (
        "evaluate"
        in client_for(world.resident_wang).get(f"/api/v1/problems/{p.pk}").json()["allowed_actions"]
    )
    # Only what the duplicate check shows for where they are: not a 民意直通车 report, not a
    # 12345 order, not from far away, not another community's: the same 404 as a missing one.
    q = report(world)
    hotline = report(
        world, world.users["community_staff@A1"], source="hotline", hotline_order_no="CS-FOLLOW-1"
    )
    far = {"lon": f"{lon + 0.01:.7f}", "lat": here["lat"]}
    assert c.post(f"/problems/{channel.pk}/follow/", here).status_code == 404
    assert c.post(f"/problems/{hotline.pk}/follow/", here).status_code == 404
    assert c.post(f"/problems/{q.pk}/follow/", far).status_code == 404
    assert c.post(f"/problems/{q.pk}/follow/", {}).status_code == 404
    assert (
        client_for(world.user("resident@A2-1-h1")).post(f"/problems/{q.pk}/follow/", here).status_code == 404
    )
    api = c.post(f"/api/v1/problems/{q.pk}/follow", here, content_type="application/json")
    assert api.status_code == 200 and api.json()["id"] == q.pk


def test_coordinates_off_the_earth_are_named_not_a_server_error(world):
    """lat=inf (or 1e999 in JSON, which is infinity too) reached math.cos: a 500 page."""
    p = report(world)
    c = client_for(world.user("resident@A1-1-h2"))
    lon, _ = grid_point(world)
    for lat in ("inf", "-inf", "nan", "95"):
        assert (
            c.get("/problems/nearby/", {"category": "blocked_drain", "lon": lon, "lat": lat}).status_code
            == 200
        )
        r = c.post(f"/problems/{p.pk}/follow/", {"lon": lon, "lat": lat})
        assert r.status_code == 400 and "坐标必须是 WGS84 经纬度" in r.content.decode()
    api = c.post(
        f"/api/v1/problems/{p.pk}/follow", f'{{"lon": {lon}, "lat": 1e999}}', content_type="application/json"
    )
    assert api.status_code == 400 and "WGS84" in api.json()["fields"]["lat"]


def test_the_duplicate_hint_shows_nothing_to_roles_without_problems(world):
    """An auditor (street-wide) or a partner unit's login could list any open problem's
    number, category and status, 民意直通车 reports too, by probing coordinates."""
    p = report(world, key="A1-2", source="opinion_channel", actor=world.user("resident@A1-2-h1"))
    lon, lat = grid_point(world, "A1-2")
    query = {"category": p.category.code, "lon": lon, "lat": lat}
    for key in ("auditor@A", "partner_unit@A1"):
        r = client_for(world.user(key)).get("/problems/nearby/", query)
        assert r.status_code == 200 and p.number not in r.content.decode(), key
    assert (
        p.number
        in client_for(world.user("resident@A1-2-h1")).get("/problems/nearby/", query).content.decode()
    )


def test_a_bad_on_behalf_id_number_is_named_beside_the_other_mistakes(world):
    """A half-typed 代报 ID number used to be the only error shown: the worker fixed it, sent
    again, and only then learnt that the category and the description were missing too."""
    r = client_for(world.grid_worker_li).post(
        "/problems/new/",
        {"category": "", "description": "漏", "source": "on_behalf", "on_behalf_id_number": "1101"},
    )
    assert r.status_code == 400
    errors = r.context["errors"]
    assert set(errors) >= {"category", "description", "on_behalf_of"}
    assert "请填写代报居民完整、有效的身份证号" in errors["on_behalf_of"]
    body = r.content.decode()
    assert "请选择问题类别" in body and 'value="1101"' in body


def test_a_grid_worker_is_not_shown_links_to_ledgers_and_reports_they_may_not_open(world):
    """The navigation, the board and the overview offered a grid worker 台账 and 月报, which
    answered 404 (they hold no export right)."""
    import re

    c = client_for(world.grid_worker_li)
    for page in ("/problems/", "/problems/overview/", "/problems/inbox/"):
        body = c.get(page).content.decode()
        links = set(re.findall(r'href="(/problems/[^"?#]*)', body))
        assert links, page
        for link in links - {"/problems/new/"}:
            assert c.get(link).status_code != 404, (page, link)
    # Staff who keep the ledgers still have them.
    body = client_for(world.secretary_zhang).get("/problems/").content.decode()
    assert 'href="/problems/ledgers/"' in body and 'href="/problems/reports/"' in body


def test_a_bad_sort_number_is_named_beside_the_category_forms_other_mistakes(world):
    """A sort order that was not a number was the only mistake named: the code, name and
    choices left empty were reported one submission later."""
    r = client_for(world.street_chen).post(
        "/problems/categories/",
        {"code": "street lamp", "name": "", "sort": "x"},
    )
    assert r.status_code == 400
    errors = r.context["errors"]
    assert set(errors) >= {"code", "name", "handling_level", "ledger_type", "sort"}
    assert errors["sort"] == "排序必须是 0 到 32767 之间的整数"
    assert 'value="street lamp"' in r.content.decode()


def test_a_problem_from_an_earlier_year_shows_its_year_on_the_board(world):
    """The board wrote every date as 12月1日: a problem reported last December read as one
    reported next month (the demo keeps a year of problems)."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    old, new = report(world), report(world)
    last_year = timezone.make_aware(datetime(timezone.localdate().year - 1, 12, 1, 9, 30))
    Problem.objects.filter(pk=old.pk).update(reported_at=last_year, due_at=last_year + timedelta(days=7))
    body = client_for(world.secretary_zhang).get("/problems/").content.decode()
    assert f"{last_year.year}年12月1日 09:30" in body
    assert f"{last_year.year}年12月8日 09:30" in body
    shown = timezone.localtime(new.reported_at)
    assert f">{shown.month}月{shown.day}日 {shown:%H:%M}</td>" in body  # this year's stay short


def test_the_secretary_sees_their_communitys_problems_on_the_agenda(world):
    """A secretary who escalated a problem to the street found the agenda page empty (its
    hint saying street-level problems are put on it): the items were the street's alone."""
    mine = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, mine, "accept")
    act(world, world.secretary_zhang, mine, "escalate", note="社区调解不成", level="")
    act(world, world.secretary_zhang, mine, "escalate", note="需街道协调")
    other = report(world, actor=world.user("resident@A2-1-h1"), key="A2-1", category="fire_lane")
    act(world, world.street_chen, other, "accept")
    act(world, world.street_chen, other, "dispatch")
    page = client_for(world.secretary_zhang).get("/problems/agenda/").content.decode()
    assert mine.number in page and other.number not in page  # their community's only
    assert "标记已讨论" not in page  # the street runs the meeting
    item = Problem.objects.get(pk=mine.pk).agenda_item
    assert client_for(world.secretary_zhang).post("/problems/agenda/", {"item": item.pk}).status_code == 404
    street = client_for(world.street_chen).get("/problems/agenda/").content.decode()
    assert mine.number in street and other.number in street and "标记已讨论" in street


def test_a_grid_on_the_map_leads_to_its_open_problems(world):
    """民情地图's grids were shaded by their open problems but led nowhere when clicked:
    "clickable down to the problem" went through the pins alone."""
    p = report(world)
    r = client_for(world.secretary_zhang).get("/problems/map/")
    grid = world.areas["A1-1"].code
    (feature,) = [f for f in r.context["grids"]["features"] if f["properties"]["code"] == grid]
    href = feature["properties"]["href"]
    assert href == f"/problems/?area={grid}&open=1"
    board = client_for(world.secretary_zhang).get(href)
    assert [x.pk for x in board.context["page"]] == [p.pk]


def test_who_may_not_report_is_told_before_filling_the_form_in(world):
    """A partner unit's login was given the report form (from 我的问题's 上报新问题) and
    told only after filling it in that it could not report here."""
    from shequ.access.models import User
    from shequ.access.roles import Role
    from shequ.access.services import assign_role

    partner = User.objects.create_user(username="partner-unit-a1", password="x")
    assign_role(partner, Role.PARTNER_UNIT, world.areas["A1"].code)
    c = client_for(partner)
    r = c.get("/problems/new/")
    assert r.status_code == 403 and "您的账号不能上报问题" in r.content.decode()
    assert c.post("/problems/new/", {"category": "garbage", "description": "垃圾很多"}).status_code == 403
    mine = c.get("/problems/mine/").content.decode()
    assert "上报新问题" not in mine and "您没有上报或关注的问题" in mine
    assert "上报新问题" in client_for(world.resident_wang).get("/problems/mine/").content.decode()


def test_a_resident_rating_their_problem_is_not_shown_the_staff_fields(world):
    """On their phone a resident rating their closed problem was shown 改派层级或责任方,
    处置层级, 责任单位 and 合并到问题: fields only triage staff can use."""
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_pass")
    page = client_for(world.resident_wang).get(f"/problems/{p.pk}/").content.decode()
    assert "回访评价" in page and 'name="satisfaction"' in page
    for staff_only in ("改派层级", 'name="level"', 'name="responsible_party"', 'name="into"'):
        assert staff_only not in page, staff_only
    # Triage staff still have them, and no rating form while there is nothing to rate.
    fresh = report(world)
    triage = client_for(world.secretary_zhang).get(f"/problems/{fresh.pk}/").content.decode()
    assert 'name="level"' in triage and 'name="into"' in triage and 'name="satisfaction"' not in triage


def test_a_mistyped_number_does_not_merge_into_another_problem(world):
    """Merging by 编号 read the digits after the date as the id: a digit left out
    (2026112300240 for 20261123002404) named problem 240, and the merge, which cannot be
    undone, went there."""
    staff = client_for(world.secretary_zhang)
    target = report(world)
    other = report(world)
    dup = report(world, actor=world.users["resident@A1-1-h2"])
    day = target.number[:8]
    typos = [target.number[:-1], f"{day}{other.pk:05d}", f"{int(day) - 1}{target.pk:06d}"]
    for typed in typos:
        r = staff.post(f"/problems/{dup.pk}/act/", {"action": "merge", "into": typed})
        assert r.status_code == 400 and "要合并到的问题不存在" in r.content.decode(), typed
        assert Problem.objects.get(pk=dup.pk).status == Status.REPORTED
    r = staff.post(f"/problems/{dup.pk}/act/", {"action": "merge", "into": target.number})
    assert r.status_code == 302 and Problem.objects.get(pk=dup.pk).merged_into_id == target.pk


def test_the_map_filters_pins_and_shading_as_the_board_does(world):
    """民情地图 had no filters: a street could not see where its overdue problems, or
    its 12345 orders, or one category, were."""
    from datetime import timedelta

    from django.utils import timezone

    drain = report(world)
    dispute = report(world, category="neighbour_dispute")
    Problem.objects.filter(pk=dispute.pk).update(
        status=Status.DISPATCHED, due_at=timezone.now() - timedelta(hours=1)
    )
    c = client_for(world.secretary_zhang)
    grid = world.areas["A1-1"].code

    def shown(query):
        r = c.get("/problems/map/", query)
        shade = {f["properties"]["code"]: f["properties"]["open"] for f in r.context["grids"]["features"]}
        return r, {p["id"] for p in r.context["points"]}, shade[grid]

    assert shown({})[1:] == ({drain.pk, dispute.pk}, 2)
    r, pins, shade = shown({"overdue": "1"})
    assert (pins, shade) == ({dispute.pk}, 1)
    # A grid's click keeps the filter.
    (feature,) = [f for f in r.context["grids"]["features"] if f["properties"]["code"] == grid]
    assert feature["properties"]["href"] == f"/problems/?area={grid}&open=1&overdue=1"
    assert shown({"category": "blocked_drain"})[1:] == ({drain.pk}, 1)
    r, pins, _ = shown({"category": "drains"})
    assert r.status_code == 400 and "问题类别“drains”不存在" in r.content.decode()
    assert pins == {drain.pk, dispute.pk}  # named, and the whole map shown


def test_a_problem_placed_on_a_building_shades_its_grid(world):
    """A visit's finding or an order given an address sits on a building, without a pin:
    its grid's shade counts it, as the list its click opens does."""
    from shequ.problems import services

    staff = world.users["community_staff@A1"]
    on_building, _ = services.report_problem(
        staff,
        services.ReportInput(
            category="blocked_drain",
            description="三楼下水管堵塞",
            source="hotline",
            hotline_order_no="SHADE-0001",
            area=world.areas["A1-1-b"].code,
        ),
    )
    assert on_building.area_path == world.areas["A1-1-b"].path
    pinned = report(world)
    r = client_for(world.secretary_zhang).get("/problems/map/", {"area": world.areas["A1"].code})
    shade = {f["properties"]["code"]: f["properties"]["open"] for f in r.context["grids"]["features"]}
    assert shade[world.areas["A1-1"].code] == 2 and shade[world.areas["A1-2"].code] == 0
    assert {p["id"] for p in r.context["points"]} == {pinned.pk}  # only a pin is a pin


def test_the_report_form_asks_for_photos_again_only_if_some_were_sent(world):
    """Every refused report with a category chosen said 照片需要重新选择, also to a resident
    who had chosen no photo at all."""
    c = client_for(world.resident_wang)
    lon, lat = grid_point(world)
    bare = {"category": "garbage", "description": "短", "lon": lon, "lat": lat}
    body = c.post("/problems/new/", bare).content.decode()
    assert "请描述问题" in body and "照片需要重新选择" not in body
    body = c.post("/problems/new/", {**bare, "photos": [jpeg()]}).content.decode()
    assert "照片需要重新选择" in body


def test_the_inbox_is_cards_that_put_the_time_limit_first(world):
    """On a grid worker's phone the board's eight columns hid 状态 and 办理时限 off-screen."""
    from datetime import timedelta

    from django.utils import timezone

    staff = world.users["community_staff@A1"]
    p = report(world)
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch", level="estate", note="小区内可以解决")
    Problem.objects.filter(pk=p.pk).update(due_at=timezone.now() - timedelta(hours=1))
    page = client_for(world.grid_worker_li).get("/problems/inbox/").content.decode()
    card = page.split('<ul class="cards-list inbox">', 1)[1].split("</ul>", 1)[0]
    assert "<table" not in page and p.number in card
    assert "办理时限" in card and '<span class="badge">超期</span>' in card and 'class="overdue"' in card


def test_the_inbox_puts_problems_waiting_for_verification_first_for_verifiers(world):
    """Problems reported back were on the eight-column board only: staff verifying on a
    phone had to scroll it sideways to find 状态 and 办理时限."""
    staff = world.users["community_staff@A1"]
    p = report(world)
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch", level="estate", note="小区内可以解决")
    act(world, world.grid_worker_li, p, "start")
    act(world, world.grid_worker_li, p, "report_back", note="已清运", photos=[jpeg()])
    page = client_for(world.secretary_zhang).get("/problems/inbox/").content.decode()
    assert "<h2>待核查（1）</h2>" in page
    waiting = page.split("<h2>待核查", 1)[1].split("</ul>", 1)[0]
    assert p.number in waiting and "已反馈" in waiting and "办理时限" in waiting
    # The grid worker does not verify: no such section, and the problem has left their list.
    worker = client_for(world.grid_worker_li).get("/problems/inbox/").content.decode()
    assert "待核查" not in worker and p.number not in worker


def test_a_form_brought_back_and_filled_in_anew_is_not_answered_with_the_first(world):
    """Back after a report brought the form with its key; a different problem typed into
    it was answered with the first problem, and the second was lost without a word."""
    lon, lat = grid_point(world)
    c = client_for(world.resident_wang)
    form = {"category": "blocked_drain", "description": "下水道堵了", "lon": lon, "lat": lat}
    first = c.post("/problems/new/", {**form, "idempotency_key": "page-key-1"})
    assert first.status_code == 302
    again = c.post("/problems/new/", {**form, "idempotency_key": "page-key-1"})
    assert again["Location"] == first["Location"]  # a retry: the same problem
    other = c.post("/problems/new/", {**form, "description": "路灯不亮了", "idempotency_key": "page-key-1"})
    body = other.content.decode()
    assert other.status_code == 400 and "这张表单已经提交过" in body and "路灯不亮了" in body
    assert 'name="idempotency_key" value=""' in body  # a new key for the next press
    assert (
        c.post(
            "/problems/new/", {**form, "description": "路灯不亮了", "idempotency_key": "page-key-2"}
        ).status_code
        == 302
    )
    assert Problem.objects.filter(reporter=world.resident_wang, description="路灯不亮了").count() == 1


def test_the_nearby_hint_never_lists_a_report_about_a_person_to_a_neighbour(world):
    """Asked from point after point, the hint located the household behind a 民意直通车
    report (or a visit's finding, a 代报, a 12345 order) to the metre."""
    from django.test import Client

    private = report(world, source="opinion_channel", description="邻居家暴，请社区介入")
    public = report(world, description="楼下下水道堵了")
    neighbour = Client()
    neighbour.force_login(world.users["resident@A1-1-h2"])
    page = neighbour.get(
        "/problems/nearby/", {"category": "blocked_drain", "lon": private.lon, "lat": private.lat}
    ).content.decode()
    assert public.number in page and private.number not in page
    # Its writer and the staff still see it among the duplicates.
    for who in (world.resident_wang, world.secretary_zhang):
        c = Client()
        c.force_login(who)
        seen = c.get(
            "/problems/nearby/", {"category": "blocked_drain", "lon": private.lon, "lat": private.lat}
        )
        assert private.number in seen.content.decode()
