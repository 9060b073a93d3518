"""A partner unit is paid once per task, so it holds one live claim of it: a second
member's claim is refused when claimed, not left to fail at acceptance after the work."""

import pytest
from django.test import Client

from shequ.core.errors import NotFound, ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import act, another_member, prove, unit_task, unit_with_member

pytestmark = pytest.mark.django_db


def second_member(world, unit):
    return another_member(world, unit, "partner-a1-second", "供电所二号")


def test_a_second_member_cannot_claim_the_task_the_unit_already_holds(world):
    unit, partner = unit_with_member(world)
    other = second_member(world, unit)
    task = unit_task(world, unit, places=2)
    first = prove(partner, services.claim_task(partner, task.pk))
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(other, task.pk)
    assert "区供电所" in exc.value.fields["task"] and "不能重复接单" in exc.value.fields["task"]
    task.refresh_from_db()
    assert task.filled == 1  # the place stays free for another unit or team
    # The detail page says why instead of offering 接单.
    c = Client()
    c.force_login(other)
    page = c.get(f"/tasks/{task.pk}/").content.decode()
    assert "不能重复接单" in page and 'value="claim"' not in page
    # The first claim is accepted and pays the unit once.
    assert act(world.secretary_zhang, first, "accept").status == ClaimStatus.ACCEPTED


def test_the_unit_may_claim_again_once_its_member_withdrew(world):
    unit, partner = unit_with_member(world)
    other = second_member(world, unit)
    task = unit_task(world, unit, places=2)
    act(partner, services.claim_task(partner, task.pk), "withdraw")
    claim = prove(other, services.claim_task(other, task.pk))
    assert act(world.secretary_zhang, claim, "accept").status == ClaimStatus.ACCEPTED


def test_staff_see_a_units_members_and_remove_one_added_by_mistake(world):
    unit, partner = unit_with_member(world)
    task = unit_task(world, unit)
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/tasks/resources/?tab=unit").content.decode()
    assert str(partner) in page and 'value="unit_member_remove"' in page
    r = c.post("/tasks/resources/", {"form": "unit_member_remove", "unit": unit.pk, "user": partner.pk})
    assert r.status_code == 302 and not unit.members.filter(pk=partner.pk).exists()
    with pytest.raises(NotFound):
        services.claim_task(partner, task.pk)  # no longer acts for the unit: not theirs to see
    r = c.post("/tasks/resources/", {"form": "unit_member_remove", "unit": unit.pk, "user": partner.pk})
    assert r.status_code == 400 and "该用户不是该单位成员" in r.content.decode()
    api = c.get("/api/v1/resources/units/").json()["items"]
    assert next(u for u in api if u["id"] == unit.pk)["members"] == []
