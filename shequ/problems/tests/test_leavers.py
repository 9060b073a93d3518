"""People who come to a problem late or leave it: the resident of a 代报 given a login
afterwards, and a 承办人 disabled or moved to another grid."""

import pytest
from django.test import Client

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import report

pytestmark = pytest.mark.django_db


def test_a_resident_given_a_login_after_a_daibao_sees_the_problem(world):
    """The resident a grid worker reported for may rate and reopen it, but a login made
    for them afterwards found it neither in 我的问题 nor at its address (404)."""
    from shequ.access.roles import Role
    from shequ.access.services import add_user
    from shequ.problems import selectors
    from shequ.problems.models import Source

    elder = world.residents["A1-1-h2-r2"]
    p = report(world, world.grid_worker_li, source=Source.ON_BEHALF, on_behalf_of=elder.pk)
    login = add_user(
        "elder-login",
        "x",
        role=Role.RESIDENT,
        area_code=world.households["A1-1-h2"].code,
        resident=elder,
        check_password=False,
    )
    assert selectors.my_problems(login).filter(pk=p.pk).exists()
    client = Client()
    client.force_login(login)
    assert client.get(f"/problems/{p.pk}/").status_code == 200


def test_a_problem_in_the_hands_of_someone_who_left_goes_back_to_the_grid(world):
    """Disabled, or moved to another grid, the 承办人 kept the problem: it was in nobody's
    inbox, and the reminders and urges went to the old account."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.access.models import User
    from shequ.access.roles import Role
    from shequ.access.services import add_user, assign_role, deactivate_user, revoke_role
    from shequ.notifications.models import Notification
    from shequ.problems import selectors, services
    from shequ.problems.tests.helpers import act

    staff = world.users["community_staff@A1"]

    def dispatched_to_li():
        p = report(world, category="garbage")
        act(world, staff, p, "accept")
        p = act(world, staff, p, "dispatch")
        assert p.assignee_id == world.grid_worker_li.pk
        return p

    first, second = dispatched_to_li(), dispatched_to_li()
    new = add_user(
        "new-grid-worker",
        "x",
        role=Role.GRID_WORKER,
        area_code=world.areas["A1-1"].code,
        check_password=False,
    )
    # Moved to another grid: the problems of the old one go back to it.
    li = User.objects.get(pk=world.grid_worker_li.pk)
    assign_role(li, Role.GRID_WORKER, world.areas["A1-2"].code)
    revoke_role(li, Role.GRID_WORKER, world.areas["A1-1"].code)
    assert set(selectors.inbox(new).filter(pk__in=[first.pk, second.pk]).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    # Disabled: the same; reminders and urges reach the grid's handlers.
    third = report(world, category="garbage")
    act(world, staff, third, "accept")
    third = act(world, staff, third, "dispatch")
    assert third.assignee_id == new.pk
    deactivate_user(User.objects.get(pk=new.pk))
    assert Problem.objects.get(pk=third.pk).assignee_id is None
    services.send_due_reminders(now=timezone.now() + timedelta(days=30))
    told = Notification.objects.filter(link=f"/problems/{first.pk}/", text__contains="超期")
    assert not told.filter(user=li).exists() and told.exists()


def test_a_reopened_problem_of_a_gone_assignee_and_a_later_daibao_login(world):
    """Reopened after its 承办人 was disabled, a problem went back to the old account, in
    nobody's inbox; and the 代报 resident's later login was never told of its steps."""
    from shequ.access.models import User
    from shequ.access.roles import Role
    from shequ.access.services import add_user, deactivate_user
    from shequ.notifications.models import Notification
    from shequ.problems import selectors
    from shequ.problems.models import Source
    from shequ.problems.tests.helpers import act, jpeg

    staff = world.users["community_staff@A1"]
    li = world.grid_worker_li
    elder = world.residents["A1-1-h2-r2"]
    p = report(world, li, category="garbage", source=Source.ON_BEHALF, on_behalf_of=elder.pk)
    later = add_user(
        "elder-login-2",
        "x",
        role=Role.RESIDENT,
        area_code=world.households["A1-1-h2"].code,
        resident=elder,
        check_password=False,
    )
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, li, p, "start")
    act(world, li, p, "report_back", note="已清理", photos=[jpeg()])
    p = act(world, staff, p, "verify_pass")
    assert Notification.objects.filter(user=later, link=f"/problems/{p.pk}/").exists()
    new = add_user(
        "new-grid-worker-2",
        "x",
        role=Role.GRID_WORKER,
        area_code=world.areas["A1-1"].code,
        check_password=False,
    )
    deactivate_user(User.objects.get(pk=li.pk))
    p = act(world, later, p, "reopen", note="又堵了，请再处理")
    assert p.assignee_id is None and selectors.inbox(new).filter(pk=p.pk).exists()


def test_a_released_problem_says_so_on_its_timeline_and_tells_its_handlers(world):
    """Given back to the place, a problem appeared in the handlers' inbox unannounced and
    its timeline still named the old 承办人 as the last one to take it."""
    from shequ.access.models import User
    from shequ.access.roles import Role
    from shequ.access.services import add_user, deactivate_user
    from shequ.notifications.models import Notification
    from shequ.problems.models import ProblemEvent
    from shequ.problems.tests.helpers import act

    staff = world.users["community_staff@A1"]
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    p = act(world, staff, p, "dispatch")
    li = User.objects.get(pk=world.grid_worker_li.pk)
    assert p.assignee_id == li.pk
    new = add_user(
        "grid-worker-after-li",
        "x",
        role=Role.GRID_WORKER,
        area_code=world.areas["A1-1"].code,
        check_password=False,
    )
    deactivate_user(li, actor=staff)
    step = ProblemEvent.objects.filter(problem=p, action="release").get()
    assert step.actor_id == staff.pk and step.from_status == step.to_status == p.status
    assert (
        step.data == {"reason": "disabled"} and "不再承办" in step.note and step.label == "承办人离任，退回"
    )
    told = Notification.objects.filter(link=f"/problems/{p.pk}/", text__contains="退回待重新安排")
    assert told.filter(user=new).exists() and not told.filter(user=li).exists()
    # A second release finds nothing left in the old hands: no second step.
    from shequ.problems.services import release_assignments

    assert release_assignments(li) == 0
    assert ProblemEvent.objects.filter(problem=p, action="release").count() == 1


def test_a_report_waiting_for_triage_is_told_to_who_takes_over(world):
    """A report waiting for 立案 (or, 立案 done, for 派遣) has no due time and so no reminders:
    told only to the community's triage staff of the day it came in, it waited unheard when
    they left, while their successor was never told of it."""
    from shequ.access.models import User
    from shequ.access.roles import Role
    from shequ.access.services import add_user, deactivate_user, revoke_role
    from shequ.notifications.models import Notification
    from shequ.problems.tests.helpers import act

    staff = User.objects.get(pk=world.users["community_staff@A1"].pk)  # not the shared object
    waiting = report(world, category="garbage")
    accepted = act(world, staff, report(world, category="garbage"), "accept")
    successor = add_user(
        "a1-staff-successor",
        "x",
        role=Role.COMMUNITY_STAFF,
        area_code=world.areas["A1"].code,
        check_password=False,
    )
    revoke_role(staff, Role.COMMUNITY_STAFF, world.areas["A1"].code)

    def told(user, p):
        return Notification.objects.filter(user=user, link=f"/problems/{p.pk}/").count()

    assert told(successor, waiting) == 1 and told(successor, accepted) == 1
    assert told(world.secretary_zhang, waiting) == 1  # told when it came in, not again
    deactivate_user(User.objects.get(pk=successor.pk))
    assert told(world.secretary_zhang, waiting) == 1


def test_work_reported_back_by_someone_who_left_waits_for_its_check(world):
    """A grid worker who left with work reported back (已反馈) had it "退回待重新安排": their
    colleagues were told to re-arrange a problem that waited only for its check, and its
    timeline no longer named who did the work. On 返工 it goes back to the place."""
    from shequ.access.models import User
    from shequ.access.services import deactivate_user
    from shequ.notifications.models import Notification
    from shequ.problems.models import ProblemEvent, Status
    from shequ.problems.tests.helpers import act, jpeg

    staff = world.users["community_staff@A1"]
    li = User.objects.get(pk=world.grid_worker_li.pk)  # not the shared object
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, li, p, "start")
    p = act(world, li, p, "report_back", note="已清理", photos=[jpeg()])
    deactivate_user(li, actor=staff)
    p = Problem.objects.get(pk=p.pk)
    assert (p.status, p.assignee_id) == (Status.REPORTED_BACK, li.pk)
    assert not ProblemEvent.objects.filter(problem=p, action="release").exists()
    told = Notification.objects.filter(link=f"/problems/{p.pk}/", text__contains="退回待重新安排")
    assert not told.exists()
    p = act(world, staff, p, "verify_fail", note="还有垃圾没清")
    assert p.assignee_id is None
