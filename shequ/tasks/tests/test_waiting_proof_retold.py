"""Proof waiting for acceptance (待验收) is told, when it is sent, to whoever accepts at the
claim's place. When that person leaves (another grid, a stopped account) or the claimant
moves to another grid, the proof waited in someone else's queue unannounced: claims have
no reminders, so nobody heard of it again."""

import pytest

from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import add_user, deactivate_user, revoke_role
from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, prove, submitted_list

pytestmark = pytest.mark.django_db


def _told(user, claim) -> int:
    return Notification.objects.filter(
        user=user, link=f"/tasks/claims/{claim.pk}/", text__contains="待验收"
    ).count()


def test_waiting_proof_is_told_to_who_accepts_after_the_grid_worker_leaves(world):
    wang = world.resident_wang
    claim = prove(wang, services.claim_task(wang, make_task(world).pk))
    li = User.objects.get(pk=world.grid_worker_li.pk)  # not the shared object
    assert _told(li, claim) == 1
    # The grid's new worker is given the grid, then the old one's role there ends.
    new = add_user(
        "grid-a1-1-new", "x", role=Role.GRID_WORKER, area_code=world.areas["A1-1"].code, check_password=False
    )
    staff = world.users["community_staff@A1"]
    revoke_role(li, Role.GRID_WORKER, world.areas["A1-1"].code)
    assert _told(new, claim) == 1
    assert _told(staff, claim) == 0  # the grid still has its acceptor
    # Their account stopped too: the community's staff accept it now, and hear of it.
    deactivate_user(User.objects.get(pk=new.pk))
    assert _told(staff, claim) == 1
    assert _told(new, claim) == 1  # told once, not again


def test_waiting_proof_follows_a_claimant_who_moves_to_another_grid(world, tmp_path):
    from shequ.registry.tests.test_import_moves import _move

    wang = world.resident_wang
    claim = prove(wang, services.claim_task(wang, make_task(world, key="A1").pk))
    _move(world, tmp_path, wang.resident, "A1-2-b", "7单元701")
    assert _told(world.users["grid_worker@A1-2"], claim) == 1


def test_a_list_under_review_is_told_to_the_street_admin_who_takes_over(world):
    """A list sent to the street cannot be edited or withdrawn: when the street admin told
    of it left, their successor was never told, and the list waited with nobody to approve."""

    submitted_list(world)
    successor = add_user(
        "street-a-successor",
        "x",
        role=Role.STREET_ADMIN,
        area_code=world.areas["A"].code,
        check_password=False,
    )
    revoke_role(User.objects.get(pk=world.street_chen.pk), Role.STREET_ADMIN, world.areas["A"].code)
    # Told with the link to the lists waiting for review.
    told = Notification.objects.filter(user=successor, link="/tasks/monthly/?status=submitted")
    texts = told.values_list("text", flat=True)
    assert any("月度任务清单待审批" in t for t in texts)
