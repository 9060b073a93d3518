"""Proof sent by someone who then left (their account stopped, or no longer acting for the
unit they claimed for) is still accepted or returned. Returned, the claim went back to
them for another proof they could never send: it held its place for good, and a unit's
claim kept every other member from taking the unit's task ("…已接了这个任务")."""

import pytest

from shequ.access.models import User
from shequ.access.services import deactivate_user
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus, Task
from shequ.tasks.tests.helpers import act, make_task, prove, unit_task, unit_with_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_returning_the_proof_of_a_removed_unit_member_frees_the_units_claim(world):
    from shequ.access.roles import Role
    from shequ.access.services import add_user

    unit, partner = unit_with_member(world)
    colleague = add_user(
        "unit-colleague", "x", role=Role.PARTNER_UNIT, area_code=world.areas["A1"].code, check_password=False
    )
    services.add_unit_member(world.secretary_zhang, unit.pk, colleague)
    task = unit_task(world, unit)
    claim = prove(partner, services.claim_task(partner, task.pk))
    services.remove_unit_member(world.secretary_zhang, unit.pk, partner.pk)

    # The claim page says what a return will do before it is pressed.
    page = client_for(world.secretary_zhang).get(f"/tasks/claims/{claim.pk}/").content.decode()
    form = page[page.index('class="stack return"') :]
    assert "接单人已不再代表区供电所：退回后接单随之结束" in form[: form.index("</form>")]

    claim = act(world.secretary_zhang, claim, "return", note="照片看不清配电箱")
    assert claim.status == ClaimStatus.WITHDRAWN
    assert Task.objects.get(pk=task.pk).filled == 0
    # Another member takes the unit's task now.
    assert services.claim_task(colleague, task.pk).unit_id == unit.pk


def test_returning_the_proof_of_a_stopped_account_gives_its_place_back(world):
    task = make_task(world, places=1)
    neighbour = world.users["resident@A1-1-h2"]
    claim = prove(neighbour, services.claim_task(neighbour, task.pk))
    deactivate_user(User.objects.get(pk=neighbour.pk), actor=world.secretary_zhang)  # not the shared object
    claim = act(world.grid_worker_li, claim, "return", note="照片不清楚")
    assert claim.status == ClaimStatus.WITHDRAWN
    # The one place is free again: a neighbour takes it.
    assert services.claim_task(world.resident_wang, task.pk).status == ClaimStatus.CLAIMED


def test_the_proof_of_a_stopped_login_without_a_register_record_is_accepted(world):
    """Proof sent before an account was stopped is still accepted (docs/tasks.md); for a
    resident's login not linked to the register, with no points account yet, 验收通过 was
    refused as if they were no resident ("只有本社区的居民和党员可以开立个人积分账户…")."""
    from shequ.access.roles import Role
    from shequ.access.services import add_user
    from shequ.points.models import Account

    login = add_user(
        "login-only-resident",
        "x",
        role=Role.RESIDENT,
        area_code=world.households["A1-1-h2"].code,
        check_password=False,
    )
    claim = prove(login, services.claim_task(login, make_task(world).pk))
    deactivate_user(User.objects.get(pk=login.pk))
    claim = act(world.grid_worker_li, claim, "accept")
    assert claim.status == ClaimStatus.ACCEPTED
    account = Account.objects.get(user_id=login.pk)
    assert (account.area_id, account.balance) == (
        world.areas["A1"].pk,
        Task.objects.get(pk=claim.task_id).points,
    )
