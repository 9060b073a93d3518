"""A problem pinned outside every grid (a gate, the street outside the estate) waits on
the community's triage unplaced; 立案 and 派遣 place it in a grid, so that the grid's
worker gets it (review of 问题清单: dispatched at estate level it fell back on the
community, nobody was assigned and the grid worker got a 404, while 网格长 was named)."""

import json

import pytest

from shequ.access.models import AuditEvent
from shequ.access.roles import Permission
from shequ.access.scope import can
from shequ.core.errors import ValidationFailed
from shequ.problems import selectors, services
from shequ.problems.models import Status
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _outside(world, description="北门外垃圾未清运"):
    """A garbage report (estate level, 网格长) pinned just north of grid A1-1."""
    ring = world.areas["A1-1"].geometry["coordinates"][0]
    lon, lat = (ring[0][0] + ring[1][0]) / 2, ring[2][1] + 0.001
    p, _ = services.report_problem(
        world.resident_wang,
        services.ReportInput(category="garbage", description=description, lon=lon, lat=lat),
    )
    return p


def test_a_problem_pinned_outside_every_grid_can_be_placed_in_a_grid(world):
    # Given a problem pinned outside every grid, at the community's triage
    p = _outside(world)
    pin = (p.lon, p.lat)
    assert not p.located and p.area == world.areas["A1"]
    # When the secretary dispatches it at estate level into grid A1-1
    act(world, world.secretary_zhang, p, "accept")
    grid = world.areas["A1-1"]
    p = act(world, world.secretary_zhang, p, "dispatch", grid=grid.code)
    # Then the grid's worker has it, and the pin is the one reported
    assert (p.handling_level, p.responsible_role) == ("estate", "grid_leader")
    assert p.assignee is not None or can(world.grid_worker_li, Permission.PROBLEM_VIEW, p.area_path)
    assert (p.area, p.area_path, p.located, (p.lon, p.lat)) == (grid, grid.path, True, pin)
    assert p.responsible_area == grid and p.assignee == world.grid_worker_li
    assert p.pk in {q.pk for q in selectors.inbox(world.grid_worker_li)}
    assert client_for(world.grid_worker_li).get(f"/problems/{p.pk}/").status_code == 200
    # The timeline and the audit row say where it was placed
    step = p.events.get(action="dispatch")
    assert step.data["placed"] == grid.code and step.label == f"派遣，定位到{grid.name}"
    audit = AuditEvent.objects.filter(event="problem.dispatch", object_id=str(p.pk)).get()
    assert audit.detail == {"placed": grid.code, "placed_from": world.areas["A1"].code}
    assert audit.area_path == grid.path


def test_a_problem_placed_at_accept_is_dispatched_to_the_grid_worker(world):
    p = _outside(world)
    p = act(world, world.secretary_zhang, p, "accept", grid=world.areas["A1-2"].code)
    assert p.located and p.area == world.areas["A1-2"]
    assert p.events.get(action="accept").label == f"立案，定位到{world.areas['A1-2'].name}"
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.assignee == world.users["grid_worker@A1-2"] and p.responsible_area == world.areas["A1-2"]


def test_dispatching_an_unplaced_problem_to_the_grid_asks_for_the_grid(world):
    p = _outside(world)
    act(world, world.secretary_zhang, p, "accept")
    with pytest.raises(ValidationFailed) as refused:
        act(world, world.secretary_zhang, p, "dispatch")
    assert "请先选择网格" in refused.value.fields["grid"]
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED and p.assignee is None and p.due_at is None
    # 网格长 named at community level would fall back on the community as well
    with pytest.raises(ValidationFailed) as refused:
        act(
            world,
            world.secretary_zhang,
            p,
            "dispatch",
            level="community",
            responsible_role="grid_leader",
            note="社区统筹",
        )
    assert "请先选择网格" in refused.value.fields["grid"]
    # Sent to the community instead, it goes to the community's staff without a grid
    p = act(world, world.secretary_zhang, p, "dispatch", level="community", note="社区统一清运")
    assert p.status == Status.DISPATCHED and not p.located
    assert p.assignee == world.users["community_staff@A1"]


@pytest.mark.parametrize(
    ("who", "where", "reason"),
    [
        ("street_chen", "A2-1", "不在问题所在的"),  # in scope, another community's grid
        ("secretary_zhang", "B1-1", "不在您的管辖范围内"),  # out of the actor's scope
        ("secretary_zhang", "A1", "请选择网格、小区或楼栋"),  # the community itself
        ("secretary_zhang", None, "不存在或不在您的管辖范围内"),  # no such area
    ],
)
def test_placing_in_a_grid_outside_the_problem_or_the_actor_is_refused(world, who, where, reason):
    p = _outside(world)
    code = world.areas[where].code if where else "370103003999999"
    with pytest.raises(ValidationFailed) as refused:
        act(world, getattr(world, who), p, "accept", grid=code)
    assert reason in refused.value.fields["grid"]
    p.refresh_from_db()
    assert (p.status, p.area, p.located) == (Status.REPORTED, world.areas["A1"], False)


def test_a_problem_already_in_a_grid_is_not_placed_again(world):
    p = report(world, category="garbage")  # pinned inside grid A1-1
    assert p.located
    with pytest.raises(ValidationFailed) as refused:
        act(world, world.secretary_zhang, p, "accept", grid=world.areas["A1-2"].code)
    assert "问题已定位在" in refused.value.fields["grid"]
    p.refresh_from_db()
    assert p.area == world.areas["A1-1"] and p.status == Status.REPORTED


def test_the_counts_and_the_map_follow_the_problem_into_its_grid(world):
    p = _outside(world)
    grid = world.areas["A1-1"]
    zhang = world.secretary_zhang
    before_grid = selectors.status_counts(zhang, grid.path)
    shaded, unshaded = selectors.open_by_grid(zhang, world.areas["A1"].path)
    act(world, zhang, p, "accept", grid=grid.code)
    after_grid = selectors.status_counts(zhang, grid.path)
    assert after_grid.get("accepted", 0) == before_grid.get("accepted", 0) + 1
    shaded_now, unshaded_now = selectors.open_by_grid(zhang, world.areas["A1"].path)
    assert shaded_now.get(grid.code, 0) == shaded.get(grid.code, 0) + 1
    assert unshaded_now == unshaded - 1


def test_the_detail_page_offers_the_grids_while_the_problem_is_unplaced(world):
    p = _outside(world)
    c = client_for(world.secretary_zhang)
    page = c.get(f"/problems/{p.pk}/").content.decode()
    assert 'name="grid"' in page
    assert f'value="{world.areas["A1-1"].code}"' in page and f'value="{world.areas["A1-2"].code}"' in page
    assert world.areas["B1-1"].code not in page and world.areas["A2-1"].code not in page
    # A resident (no 立案) is not offered it
    resident_page = client_for(world.resident_wang).get(f"/problems/{p.pk}/").content.decode()
    assert 'name="grid"' not in resident_page
    # Dispatch without a grid: refused, what was typed kept
    c.post(f"/problems/{p.pk}/act/", {"action": "accept"})
    refused = c.post(f"/problems/{p.pk}/act/", {"action": "dispatch", "note": "北门外，请网格长处理"})
    body = refused.content.decode()
    assert refused.status_code == 400 and "请先选择网格" in body and "北门外，请网格长处理" in body
    sent = c.post(f"/problems/{p.pk}/act/", {"action": "dispatch", "grid": world.areas["A1-1"].code})
    assert sent.status_code == 302
    page = c.get(f"/problems/{p.pk}/").content.decode()
    assert f"派遣，定位到{world.areas['A1-1'].name}" in page and 'name="grid"' not in page
    assert "（未落入网格，由社区分派）" not in page


def test_the_api_places_a_problem_with_grid_in_the_transition(world):
    p = _outside(world)
    api = client_for(world.secretary_zhang)
    url = f"/api/v1/problems/{p.pk}/transitions"
    wrong = api.post(
        url,
        json.dumps({"action": "accept", "grid": world.areas["B1-1"].code}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "不在您的管辖范围内" in wrong.json()["fields"]["grid"]
    ok = api.post(
        url,
        json.dumps({"action": "accept", "grid": world.areas["A1-1"].code}),
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    out = ok.json()
    assert (out["area"], out["located"], out["status"]) == (world.areas["A1-1"].code, True, "accepted")
    dispatched = api.post(url, json.dumps({"action": "dispatch"}), content_type="application/json")
    assert dispatched.status_code == 200 and dispatched.json()["assignee"] == str(world.grid_worker_li)


def test_a_problem_filed_on_a_xiaoqu_divided_into_grids_waits_for_its_grid(world):
    """Filed on a 小区 that holds grids, a problem counted as located: its estate-level
    route looked for a grid leader on the 小区 itself, nobody was assigned, and its grids'
    workers could not see it. It waits on the community's triage for the grid instead."""
    from shequ.areas.services import create_area

    community = world.areas["A1"]
    estate = create_area(code=f"{community.code}901", name="阳光小区", kind="estate", parent=community)
    grid = create_area(code=f"{estate.code}001", name="阳光小区一网格", kind="grid", parent=estate)
    alone = create_area(code=f"{community.code}902", name="老街小区", kind="estate", parent=community)
    staff = world.secretary_zhang
    p, _ = services.report_problem(
        staff, services.ReportInput(category="garbage", description="小区垃圾未清运", area=estate.code)
    )
    assert not p.located and p.area == estate
    # Its grids are offered, not the 小区 itself; a 小区 without grids is still offered.
    offered = [code for code, _ in selectors.grids_to_place(staff, p)]
    assert grid.code in offered and estate.code not in offered
    with pytest.raises(ValidationFailed) as exc:
        act(world, staff, p, "accept", grid=estate.code)
    assert exc.value.fields == {"grid": "所选的阳光小区下设网格，请选择其中的网格"}
    p = act(world, staff, p, "accept", grid=grid.code)
    assert p.located and p.area == grid
    # A 小区 not divided into grids is a place of its own (小区（网格）), as before.
    q, _ = services.report_problem(
        staff, services.ReportInput(category="garbage", description="老街小区垃圾未清运", area=alone.code)
    )
    assert q.located and q.area == alone
