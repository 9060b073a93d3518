"""A reversal (冲正) is not silent: the account's owner — or the unit's members — is told
the reason, and the claim page says the award was reversed instead of a plain 已验收."""

import pytest
from django.test import Client

from shequ.notifications.models import Notification
from shequ.points import services as points
from shequ.tasks import services
from shequ.tasks.models import Award
from shequ.tasks.tests.helpers import act, make_task, prove, unit_task_accepted

pytestmark = pytest.mark.django_db


def test_the_owner_is_told_and_the_claim_page_shows_the_reversal(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    act(world.grid_worker_li, claim, "accept")
    award = Award.objects.get(claim=claim)
    points.reverse(world.secretary_zhang, award.transaction_id, "照片是别处的灯")
    last = Notification.objects.filter(user=world.resident_wang).latest("id")
    assert "冲正" in last.text and "照片是别处的灯" in last.text
    client = Client()
    client.force_login(world.resident_wang)
    page = client.get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert 'id="reversed"' in page and "照片是别处的灯" in page


def test_a_units_members_are_told(world):
    unit, partner, task = unit_task_accepted(world)
    points.reverse(world.secretary_zhang, Award.objects.get(task=task, unit=unit).transaction_id, "重复申报")
    last = Notification.objects.filter(user=partner).latest("id")
    assert "区供电所" in last.text and "重复申报" in last.text
