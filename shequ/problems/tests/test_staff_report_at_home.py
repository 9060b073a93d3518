"""A grid worker often lives in another community than the one they serve. Their login,
linked to their registry record, claims the public tasks where they live as any resident
(docs/tasks.md), but a blocked drain at home could not be reported: "只能上报您所在社区或
管辖范围内的问题", though it was the community they live in."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.problems.models import Source
from shequ.problems.tests.helpers import report
from shequ.tasks.tests.helpers import staff_living_at
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_worker_living_in_b1(world):
    # Works in grid A1-1 (street A), lives in a household of grid B1-1 (street B).
    return staff_living_at(world, "gw-a1-1-lives-b1-1", "B1-1-h1-r2")


def test_a_staff_member_reports_a_problem_where_they_live(world, grid_worker_living_in_b1):
    problem = report(world, actor=grid_worker_living_in_b1, key="B1-1")
    assert problem.area_path == world.areas["B1-1"].path and problem.source == Source.RESIDENT
    c = client_for(grid_worker_living_in_b1)
    assert c.get(f"/problems/{problem.pk}/").status_code == 200
    assert problem.pk in {i["id"] for i in c.get("/api/v1/problems/?mine=true").json()["items"]}


def test_at_home_they_report_as_a_resident_not_as_staff(world, grid_worker_living_in_b1):
    # 巡查、12345、代报 are their work, in the grid they serve: not where they live.
    for source, extra in ((Source.PATROL, {}), (Source.HOTLINE, {"hotline_order_no": "H-HOME-1"})):
        with pytest.raises(ValidationFailed) as refused:
            report(world, actor=grid_worker_living_in_b1, key="B1-1", source=source, **extra)
        assert "area" in refused.value.fields
    # Elsewhere in street B they neither live nor work.
    with pytest.raises(ValidationFailed) as refused:
        report(world, actor=grid_worker_living_in_b1, key="B2-1")
    assert refused.value.fields["area"] == "只能上报您所在社区或管辖范围内的问题"


def test_at_home_they_are_shown_the_neighbours_report_and_follow_it(world, grid_worker_living_in_b1):
    from shequ.problems.tests.helpers import grid_point

    neighbours = report(world, actor=world.users["resident@B1-1-h2"], key="B1-1")
    lon, lat = grid_point(world, "B1-1")
    c = client_for(grid_worker_living_in_b1)
    found = c.get("/api/v1/problems/nearby", {"category": "blocked_drain", "lon": lon, "lat": lat}).json()[
        "items"
    ]
    assert [(f["id"], f["can_follow"]) for f in found] == [(neighbours.pk, True)]
    r = c.post(
        f"/api/v1/problems/{neighbours.pk}/follow",
        {"lon": lon, "lat": lat},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content


def test_a_login_whose_roles_were_all_revoked_reports_nowhere(world):
    from shequ.access.services import add_user, revoke_role

    gone = add_user(
        "gw-left-lives-b1-1",
        "pass-2026-xyz",
        role="grid_worker",
        area_code=world.areas["A1-1"].code,
        resident=world.residents["B1-1-h2-r2"],
        check_password=False,
    )
    revoke_role(gone, "grid_worker", world.areas["A1-1"].code)
    with pytest.raises(ValidationFailed) as refused:
        report(world, actor=gone, key="B1-1")
    assert "area" in refused.value.fields
