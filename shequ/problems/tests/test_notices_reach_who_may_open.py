"""A problem's later steps are told to the grid worker who did its work only while they
may still open it: one moved to another grid got notices whose link answered 404."""

import pytest

from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import add_user, assign_role, revoke_role
from shequ.notifications.models import Notification
from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def done_by_li(world):
    """A problem dispatched to grid worker Li, who reported the work done."""
    staff = world.users["community_staff@A1"]
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    p = act(world, staff, p, "dispatch")
    assert p.assignee_id == world.grid_worker_li.pk
    act(world, world.grid_worker_li, p, "start")
    return act(world, world.grid_worker_li, p, "report_back", note="已清运", photos=[jpeg()])


def move_li(world):
    li = User.objects.get(pk=world.grid_worker_li.pk)
    assign_role(li, Role.GRID_WORKER, world.areas["A1-2"].code)
    revoke_role(li, Role.GRID_WORKER, world.areas["A1-1"].code)
    return li


def told(user, p):
    notices = Notification.objects.filter(user=user, link=f"/problems/{p.pk}/")
    return list(notices.values_list("text", flat=True))


def test_a_moved_grid_worker_is_not_told_of_the_rating_or_the_closing(world):
    p = done_by_li(world)
    li = move_li(world)
    act(world, world.secretary_zhang, p, "verify_pass")
    act(world, world.resident_wang, p, "evaluate", resolved=False, satisfaction=1)
    assert client_for(li).get(f"/problems/{p.pk}/").status_code == 404
    assert not [t for t in told(li, p) if "核查通过" in t or "回访评价" in t]
    # Those who answer for the place still hear of the bad rating.
    assert any("回访评价" in t for t in told(world.secretary_zhang, p))


def test_a_rework_goes_to_the_grid_not_to_the_worker_who_moved_away(world):
    p = done_by_li(world)
    grid = world.areas["A1-1"].code
    new = add_user("new-grid-worker", "x", role=Role.GRID_WORKER, area_code=grid, check_password=False)
    li = move_li(world)
    act(world, world.secretary_zhang, p, "verify_fail", note="垃圾仍未清运")
    assert not [t for t in told(li, p) if "核查不通过" in t or "返工" in t]
    assert told(new, p), "the grid's worker now is told of the rework"
