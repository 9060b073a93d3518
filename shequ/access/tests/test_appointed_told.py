"""Someone who left a grid or a community had their waiting work told to who took it
there then; but someone appointed to it later heard of nothing already waiting (a report
to 立案, a problem dispatched to the grid with nobody in hand, work reported back for
核查) and saw it only by opening each list. Who takes up a place now hears of it, once."""

import pytest

from shequ.access.services import add_user
from shequ.notifications.models import Notification
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import act, report

pytestmark = pytest.mark.django_db


def _told(user, problem):
    return Notification.objects.filter(user=user, link=f"/problems/{problem.pk}/")


def test_a_new_grid_worker_hears_of_the_grids_problems_waiting_for_a_handler(world):
    secretary = world.users["community_secretary@A1"]
    p = report(world)
    act(world, secretary, p, "accept")
    act(world, secretary, p, "dispatch", level="estate", responsible_role="grid_leader", note="网格处理")
    Problem.objects.filter(pk=p.pk).update(assignee=None)  # nobody in hand: the grid's
    li = world.grid_worker_li
    heard = _told(li, p).count()
    new = add_user(
        "appointed_grid_a11", "Appointed-pass-2026", role="grid_worker", area_code=world.areas["A1-1"].code
    )
    notice = _told(new, p).get()
    assert notice.text.startswith("问题待办理") and p.number in notice.text
    assert _told(li, p).count() == heard  # who heard of it is not told again


def test_new_community_staff_hear_of_reports_waiting_for_triage(world):
    p = report(world, description="小区门口路灯不亮已经一周")
    new = add_user(
        "appointed_staff_a1", "Appointed-pass-2026", role="community_staff", area_code=world.areas["A1"].code
    )
    assert _told(new, p).count() == 1
    # A resident's login (开通账号) is told of nothing.
    from shequ.access.services import login_for_resident

    resident = world.residents["A1-2-h1-r2"]
    login = login_for_resident(resident, actor=world.secretary_zhang)
    assert not Notification.objects.filter(user=login).exists()
