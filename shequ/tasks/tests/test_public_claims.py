"""Public tasks are for the area's residents and party members: a partner unit's login
takes the targeted tasks of its unit, never a public task as a private person, and no
personal points account is opened for a login that is not a resident."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.points import services as points
from shequ.points.models import Account
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task

pytestmark = pytest.mark.django_db


def test_a_partner_unit_login_cannot_claim_a_public_task(world):
    partner = world.users["partner_unit@A1"]
    task = make_task(world, key="A1-1")
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(partner, task.pk)
    assert "共建单位" in exc.value.fields["task"] and "定向任务" in exc.value.fields["task"]
    assert not task.claims.exists()


def test_the_task_page_tells_a_partner_unit_why_it_cannot_claim(world, client):
    partner = world.users["partner_unit@A1"]
    task = make_task(world, key="A1-1")
    client.force_login(partner)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'value="claim"' not in page
    assert "共建单位请承接派给本单位的定向任务" in page


def test_no_personal_account_for_a_login_without_a_resident_record(world):
    partner = world.users["partner_unit@A1"]
    with pytest.raises(ValidationFailed) as exc:
        points.account_for_user(partner)
    assert "account" in exc.value.fields
    with pytest.raises(ValidationFailed):
        points.account_for_user(world.secretary_zhang)
    assert not Account.objects.filter(user=partner).exists()
    # A resident still gets one.
    assert points.account_for_user(world.resident_wang).kind == "resident"
