"""Two staff on one problem, a page opened before another acted, a second tap: the step
is refused saying what happened meanwhile, not taken on what the actor never saw."""

import re

import pytest

from shequ.problems.models import Problem, ProblemEvent
from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def seen(client, problem):
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    found = re.search(r'name="seen" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def test_escalating_from_a_page_opened_before_a_colleagues_escalation_is_refused(world):
    p = report(world, category="blocked_drain")  # community level
    act(world, world.secretary_zhang, p, "accept")
    a, b = client_for(world.secretary_zhang), client_for(world.users["community_staff@A1"])
    on_a, on_b = seen(a, p), seen(b, p)
    assert (
        a.post(
            f"/problems/{p.pk}/act/", {"action": "escalate", "note": "社区处理不了", "seen": on_a}
        ).status_code
        == 302
    )
    r = b.post(f"/problems/{p.pk}/act/", {"action": "escalate", "note": "社区处理不了", "seen": on_b})
    assert Problem.objects.get(pk=p.pk).handling_level == "street"  # not the department
    said = r.content.decode()
    assert r.status_code == 409 and f"已由{world.secretary_zhang}于" in said and "上报上一级" in said
    # The page it answers with is the problem as it is now: acting from it goes through.
    assert f'name="seen" value="{on_b}"' not in said


def test_a_second_tap_of_escalate_or_urge_does_nothing_more(world):
    p = report(world, category="neighbour_dispute")  # estate level
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    grid = client_for(world.grid_worker_li)
    form = {"action": "escalate", "note": "小区调解不成", "seen": seen(grid, p)}
    grid.post(f"/problems/{p.pk}/act/", form)
    assert grid.post(f"/problems/{p.pk}/act/", form).status_code == 409
    assert Problem.objects.get(pk=p.pk).handling_level == "community"
    boss = client_for(world.secretary_zhang)
    urge = {"action": "urge", "note": "请尽快", "seen": seen(boss, p)}
    boss.post(f"/problems/{p.pk}/act/", urge)
    boss.post(f"/problems/{p.pk}/act/", urge)
    assert Problem.objects.get(pk=p.pk).urge_count == 1


def test_dispatching_from_a_page_opened_before_an_escalation_is_refused(world):
    p = report(world, category="blocked_drain")
    act(world, world.secretary_zhang, p, "accept")
    b = client_for(world.users["community_staff@A1"])
    form = {"action": "dispatch", "note": "", "level": "", "seen": seen(b, p)}
    act(world, world.secretary_zhang, p, "escalate", note="社区处理不了")
    assert b.post(f"/problems/{p.pk}/act/", form).status_code == 409
    assert Problem.objects.get(pk=p.pk).status == "accepted"


def test_a_supervisors_urging_does_not_stop_the_handlers_report(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    act(world, world.grid_worker_li, p, "start")
    grid = client_for(world.grid_worker_li)
    opened = seen(grid, p)
    act(world, world.secretary_zhang, p, "urge", note="请尽快")
    r = grid.post(
        f"/problems/{p.pk}/act/",
        {"action": "report_back", "note": "已调解", "seen": opened, "photos": [jpeg()]},
    )
    assert r.status_code == 302 and Problem.objects.get(pk=p.pk).status == "reported_back"
    assert ProblemEvent.objects.filter(problem=p, action="urge").count() == 1


def test_the_api_gives_a_version_and_refuses_a_step_on_an_older_one(world):
    import json

    p = report(world, category="blocked_drain")
    staff = client_for(world.users["community_staff@A1"])
    version = staff.get(f"/api/v1/problems/{p.pk}").json()["version"]
    act(world, world.secretary_zhang, p, "accept")
    r = staff.post(
        f"/api/v1/problems/{p.pk}/transitions",
        json.dumps({"action": "dispatch", "seen": version}),
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "changed" and "立案" in r.json()["message"]


def test_a_duplicate_merged_in_does_not_stop_the_next_step_from_the_page(world):
    p = report(world, category="blocked_drain")
    act(world, world.secretary_zhang, p, "accept")
    dup = report(world, category="blocked_drain", description="下水道又堵了，污水漫到路面")
    c = client_for(world.secretary_zhang)
    on_page = seen(c, p)
    r = c.post(f"/problems/{dup.pk}/act/", {"action": "merge", "into": str(p.pk), "seen": seen(c, dup)})
    assert r.status_code == 302
    assert ProblemEvent.objects.filter(problem=p, action="merged_in").exists()
    r = c.post(f"/problems/{p.pk}/act/", {"action": "dispatch", "seen": on_page})
    assert r.status_code == 302 and Problem.objects.get(pk=p.pk).status == "dispatched"


def test_a_residents_own_second_tap_is_not_called_someone_elses(world):
    """Two tabs, or a second tap on a slow connection: the resident was told 他人 had rated
    (or reopened) their problem when it was themselves."""
    from shequ.problems.tests.test_kpi_ledgers_reports import _handle_and_close

    p = _handle_and_close(world, report(world))
    resident = client_for(world.resident_wang)
    form = {"action": "evaluate", "resolved": "1", "satisfaction": "5", "note": "", "seen": seen(resident, p)}
    assert resident.post(f"/problems/{p.pk}/act/", form).status_code == 302
    r = resident.post(f"/problems/{p.pk}/act/", form)
    said = r.content.decode()
    assert r.status_code == 409 and "已由您本人于" in said and "他人" not in said
    assert ProblemEvent.objects.filter(problem=p, action="evaluate").count() == 1
