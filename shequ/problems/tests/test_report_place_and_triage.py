"""A pin far from every grid of the reporter's street is not the problem's place, and a
report that nobody is set up to triage is said to be so (cold-start review of 问题清单)."""

import json
import logging

import pytest
from django.test import override_settings

from shequ.access.holders import holders
from shequ.access.models import AuditEvent, User
from shequ.access.roles import Permission, Role
from shequ.access.services import add_user
from shequ.areas.models import AreaKind
from shequ.areas.services import create_area
from shequ.core.errors import ValidationFailed
from shequ.notifications.models import Notification
from shequ.people.services import register_household
from shequ.problems import services
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

# Where a tap "near the centre" of a map of all China landed: Gansu, ~1,000 km from the
# world's grids (near 117.0, 36.6).
GANSU = (106.347656, 34.329828)


def _report(user, *, lon=None, lat=None, address="", **kw):
    data = services.ReportInput(
        category="garbage", description="楼下垃圾三天没有清运", lon=lon, lat=lat, address=address, **kw
    )
    return services.report_problem(user, data)[0]


def _south_of_grid(world, metres):
    """A point ``metres`` south of grid A1-1's southern edge, outside every grid."""
    lon, _ = grid_point(world, "A1-1")
    south = min(pt[1] for pt in world.areas["A1-1"].geometry["coordinates"][0])
    return lon, south - metres / 111_320.0


def _new_street_resident():
    """A resident of a street just set up: no grid drawn, no staff given a role yet."""
    street = create_area(code="990300001", name="新设街道", kind=AreaKind.STREET, parent=None)
    community = create_area(code="990300001001", name="新设社区", kind=AreaKind.COMMUNITY, parent=street)
    building = create_area(code="990300001001001", name="1号楼", kind=AreaKind.BUILDING, parent=community)
    household = register_household(building=building, address="1单元101")
    user = add_user(
        "new-street-resident", "x", role=Role.RESIDENT, area_code=household.code, check_password=False
    )
    return user, community


def test_a_pin_far_from_every_grid_of_the_street_is_not_kept_and_the_address_carries_it(world):
    problem = _report(world.resident_wang, lon=GANSU[0], lat=GANSU[1], address="3号楼门口")
    assert (problem.lon, problem.lat) == (None, None)
    assert problem.area_path == world.areas["A1"].path and not problem.located
    assert problem.address == "3号楼门口"
    assert problem.events.get(action="report").data["pin_unused"] == "far"
    assert services.report_notes(problem) == [services.UNUSED_PIN_NOTES["far"]]
    # Read back from the report event, as for a retried submission.
    fresh = type(problem).objects.get(pk=problem.pk)
    assert services.report_notes(fresh) == [services.UNUSED_PIN_NOTES["far"]]


def test_a_far_pin_without_an_address_asks_for_the_address(world):
    with pytest.raises(ValidationFailed) as refused:
        _report(world.resident_wang, lon=GANSU[0], lat=GANSU[1])
    assert refused.value.fields == {
        "address": "地图上标的点离本街道的网格都超过5公里，不能作为问题的位置，请填写地址"
    }


def test_a_pin_near_but_outside_the_grids_is_kept_for_the_community_triage(world):
    lon, lat = _south_of_grid(world, 1000)
    from shequ.areas import geo

    assert geo.locate(lon, lat) is None
    problem = _report(world.resident_wang, lon=lon, lat=lat)
    assert (problem.lon, problem.lat) == (lon, lat)
    assert problem.area_path == world.areas["A1"].path and not problem.located
    assert "pin_unused" not in problem.events.get(action="report").data
    assert services.report_notes(problem) == []
    # Beyond the reach, the same direction: not kept.
    far = _south_of_grid(world, services.PIN_REACH_METRES + 500)
    assert _report(world.resident_wang, lon=far[0], lat=far[1], address="南边路口").lat is None


def test_any_pin_is_unused_where_the_street_has_no_grids_and_nobody_to_triage_is_said(world, caplog):
    user, community = _new_street_resident()
    near_other_street = _south_of_grid(world, 300)  # close to street A's grids, not its own
    with caplog.at_level(logging.WARNING, logger="shequ.problems.services"):
        problem = _report(user, lon=near_other_street[0], lat=near_other_street[1], address="1号楼门口")
    assert problem.lat is None and problem.area_path == community.path
    assert services.report_notes(problem) == [services.UNUSED_PIN_NOTES["no_grids"], services.UNHEARD_NOTE]
    assert problem.events.get(action="report").data == {
        "source": "resident",
        "pin_unused": "no_grids",
        "unheard": True,
    }
    assert not Notification.objects.filter(link=f"/problems/{problem.pk}/").exists()
    audit = AuditEvent.objects.get(event="problem.report", object_id=str(problem.pk))
    assert "无人负责立案" in audit.detail["note"]
    assert any(
        problem.number in r.getMessage() and "problem.triage" in r.getMessage() for r in caplog.records
    )


def test_a_community_without_triage_staff_reports_to_the_street(world):
    """holders(nearest_only) looks upward: with the community's staff gone, the street's
    admins are told, and the reporter is told nothing more than 已上报."""
    community_staff = [u.pk for u in holders(Permission.PROBLEM_TRIAGE, world.areas["A1"].path)]
    assert world.secretary_zhang.pk in community_staff
    User.objects.filter(pk__in=community_staff).update(is_active=False)
    lon, lat = grid_point(world, "A1-1")
    problem = _report(world.resident_wang, lon=lon, lat=lat)
    told = set(Notification.objects.filter(link=f"/problems/{problem.pk}/").values_list("user_id", flat=True))
    assert world.street_chen.pk in told and not told & set(community_staff)
    assert services.report_notes(problem) == []
    # Nobody in the street either: the reporter is told.
    User.objects.filter(
        pk__in=[u.pk for u in holders(Permission.PROBLEM_TRIAGE, world.areas["A1"].path)]
    ).update(is_active=False)
    alone = _report(world.resident_wang, lon=lon, lat=lat)
    assert services.report_notes(alone) == [services.UNHEARD_NOTE]


@override_settings(MAP_TILE_URL="")
def test_the_form_offers_no_map_without_grids_or_tiles(world):
    user, _ = _new_street_resident()
    page = client_for(user).get("/problems/new/").content.decode()
    assert 'id="pick-map"' not in page and "本社区尚未划定网格，请填写地址" in page
    assert "leaflet.js" not in page and "leaflet.css" not in page  # 160 KB for no map
    with_grids = client_for(world.resident_wang).get("/problems/new/").content.decode()
    assert 'id="pick-map"' in with_grids and "本社区尚未划定网格" not in with_grids
    assert "leaflet.js" in with_grids and "leaflet.css" in with_grids
    with override_settings(MAP_TILE_URL="/tiles/{z}/{x}/{y}.png"):
        tiled = client_for(user).get("/problems/new/").content.decode()
    assert 'id="pick-map"' in tiled


def test_the_page_keeps_what_was_typed_and_then_says_the_pin_was_not_used(world):
    c = client_for(world.resident_wang)
    form = {
        "category": "garbage",
        "description": "楼下垃圾三天没有清运",
        "lon": str(GANSU[0]),
        "lat": str(GANSU[1]),
        "idempotency_key": "far-pin-1",
    }
    refused = c.post("/problems/new/", form)
    page = refused.content.decode()
    assert refused.status_code == 400 and "超过5公里，不能作为问题的位置，请填写地址" in page
    assert "楼下垃圾三天没有清运" in page and f'value="{GANSU[1]}"' in page
    sent = c.post("/problems/new/", {**form, "address": "3号楼门口"})
    assert sent.status_code == 302
    detail = c.get(sent["Location"]).content.decode()
    assert services.UNUSED_PIN_NOTES["far"] in detail and 'id="point-map"' not in detail


def test_the_problem_page_says_nobody_is_set_up_while_it_waits(world):
    user, _ = _new_street_resident()
    problem = _report(user, address="1号楼门口")
    page = client_for(user).get(f"/problems/{problem.pk}/").content.decode()
    assert services.UNHEARD_NOTE in page and 'id="pin-unused"' not in page
    heard = _report(world.resident_wang, address="1号楼门口")
    assert (
        services.UNHEARD_NOTE
        not in client_for(world.resident_wang).get(f"/problems/{heard.pk}/").content.decode()
    )


def test_the_api_answer_says_what_was_not_used_and_who_was_not_told(world):
    user, _ = _new_street_resident()
    body = {"category": "garbage", "description": "楼下垃圾三天没有清运", "lon": GANSU[0], "lat": GANSU[1]}
    api = client_for(user)
    refused = api.post("/api/v1/problems/", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400 and "请填写地址" in refused.json()["fields"]["address"]
    answer = api.post(
        "/api/v1/problems/",
        json.dumps({**body, "address": "1号楼门口"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="unheard-1",
    )
    assert answer.status_code == 201, answer.content
    out = answer.json()
    assert out["lon"] is None and out["notes"] == [
        services.UNUSED_PIN_NOTES["no_grids"],
        services.UNHEARD_NOTE,
    ]
    again = api.post(
        "/api/v1/problems/",
        json.dumps({**body, "address": "1号楼门口"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="unheard-1",
    )
    assert again.status_code == 200 and again.json()["notes"] == out["notes"]
    lon, lat = grid_point(world)
    plain = client_for(world.resident_wang).post(
        "/api/v1/problems/", json.dumps({**body, "lon": lon, "lat": lat}), content_type="application/json"
    )
    assert plain.status_code == 201 and plain.json()["notes"] == []
