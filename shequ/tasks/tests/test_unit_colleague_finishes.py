"""A unit holds one claim of a task, so when the member who took it is away a colleague
finishes it: opens the unit's claim from the task page, sends its proof (the holder is
told), and hears of the acceptance; a login outside the unit still gets a 404."""

import pytest
from django.test import Client

from shequ.core.errors import NotFound, ValidationFailed
from shequ.notifications.models import Notification
from shequ.problems.tests.helpers import jpeg
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import act, another_member, unit_task, unit_with_member

pytestmark = pytest.mark.django_db


def colleague(world, unit):
    return another_member(world, unit, "partner-a1-colleague", "供电所小孙")


def test_a_colleague_sends_the_proof_of_the_units_claim_and_hears_of_its_acceptance(world):
    # Given: a member took the unit's task and went away; a colleague of the unit
    unit, partner = unit_with_member(world)
    other = colleague(world, unit)
    task = unit_task(world, unit)
    claim = services.claim_task(partner, task.pk)
    c = Client()
    c.force_login(other)
    # When: the colleague opens the task, the unit's claim is offered to them
    page = c.get(f"/tasks/{task.pk}/").content.decode()
    assert f"/tasks/claims/{claim.pk}/" in page and "可代为提交完成凭证" in page
    claim_page = c.get(f"/tasks/claims/{claim.pk}/")
    assert claim_page.status_code == 200 and 'value="submit"' in claim_page.content.decode()
    # and they send the proof from it
    r = c.post(f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "已检修", "files": [jpeg()]})
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.user_id == partner.pk
    assert Notification.objects.filter(
        user=partner, text__contains="供电所小孙已为您接的任务“配电箱检修”提交完成凭证"
    ).exists()
    # Then: the acceptance is told to the holder and to the colleague who sent the proof
    act(world.secretary_zhang, claim, "accept")
    for who in (partner, other):
        assert Notification.objects.filter(user=who, text__contains="已记入区供电所的单位账户").exists()


def test_someone_outside_the_unit_still_cannot_open_or_prove_its_claim(world):
    unit, partner = unit_with_member(world)
    task = unit_task(world, unit)
    claim = services.claim_task(partner, task.pk)
    stranger = world.users["partner_unit@A2"]
    with pytest.raises(NotFound):
        act(stranger, claim, "submit", files=[jpeg()])
    # A member removed from the unit no longer acts for its claim.
    other = colleague(world, unit)
    services.remove_unit_member(world.secretary_zhang, unit.pk, other.pk)
    with pytest.raises(NotFound):
        act(other, claim, "submit", files=[jpeg()])
    # A colleague still cannot accept their unit's proof (no task.accept).
    other2 = another_member(world, unit, "partner-a1-colleague-b", "供电所小钱")
    act(other2, claim, "submit", files=[jpeg()])
    with pytest.raises(ValidationFailed):
        act(other2, claim, "accept")


def test_the_claim_page_says_the_units_points_go_to_the_unit_account(world):
    """A unit's member reads "5 积分" on their claim and looks for them on 我的积分 in
    vain: the page says they go to the unit's account."""
    unit, partner = unit_with_member(world)
    claim = services.claim_task(partner, unit_task(world, unit).pk)
    c = Client()
    c.force_login(partner)
    page = c.get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert "记入区供电所的单位账户" in page
