"""Support staff stop an account in /admin/ (untick 有效): the same as `shequ user disable`."""

import pytest
from django.test import Client

from shequ.access.models import AuditEvent, Open311Key, User
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import act, report

pytestmark = pytest.mark.django_db


def _untick_active(admin: Client, user: User) -> None:
    form = {"username": user.username, "display_name": user.display_name}  # is_active left out: unticked
    form.update(
        {
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": str(user.assignments.count()),
            "assignments-MIN_NUM_FORMS": "0",
            "assignments-MAX_NUM_FORMS": "1000",
        }
    )
    r = admin.post(f"/admin/access/user/{user.pk}/change/", form)
    assert r.status_code == 302, r.content.decode()[:2000]


def test_an_account_stopped_in_the_admin_gives_back_its_work(world):
    """Unticked in the admin, a grid worker's account kept the problem dispatched to it
    (in nobody's inbox) and its Open311 key came back to life when the account was turned
    on again; a resident's claims held their places: only the CLI's disable did the rest."""
    from shequ.access.services import add_open311_key
    from shequ.problems import selectors
    from shequ.tasks import services as tasks
    from shequ.tasks.models import Claim, ClaimStatus
    from shequ.tasks.tests.helpers import make_task

    staff = world.users["community_staff@A1"]
    li = world.grid_worker_li
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    p = act(world, staff, p, "dispatch")
    assert p.assignee_id == li.pk
    wang = world.resident_wang
    claim = tasks.claim_task(wang, make_task(world).pk)
    key, _ = add_open311_key(li, "巡查App")

    admin = Client()
    admin.force_login(User.objects.create_superuser("support-admin", password="admin-pass-2026"))
    _untick_active(admin, User.objects.get(pk=li.pk))
    _untick_active(admin, User.objects.get(pk=wang.pk))

    assert not User.objects.get(pk=li.pk).is_active
    # The problem went back to the grid: in a colleague's inbox, not the stopped account's.
    assert Problem.objects.get(pk=p.pk).assignee_id is None
    assert selectors.inbox(staff).filter(pk=p.pk).exists()
    # The claim without proof gave its place back; the key is revoked for good.
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.WITHDRAWN
    assert Open311Key.objects.get(pk=key.pk).revoked_at is not None
    assert AuditEvent.objects.filter(event="access.deactivate", object_id=str(li.pk)).exists()


def test_an_account_is_stopped_not_deleted_in_the_admin(world):
    """The admin offered 删除 beside 有效: deleting a grid worker dropped the problem
    dispatched to them from everyone's inbox (承办人 emptied, no 退回 step, nobody told),
    their role assignments with it, and left the audit log naming an account that is gone."""
    staff = world.users["community_staff@A1"]
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    p = act(world, staff, p, "dispatch")
    admin = Client()
    admin.force_login(User.objects.create_superuser("support-admin-2", password="admin-pass-2026"))
    li = world.grid_worker_li
    assert admin.get(f"/admin/access/user/{li.pk}/delete/").status_code == 403
    assert admin.post(f"/admin/access/user/{li.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=li.pk).exists()
    assert Problem.objects.get(pk=p.pk).assignee_id == li.pk
