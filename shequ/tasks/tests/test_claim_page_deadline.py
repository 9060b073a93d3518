"""The page a claimant sends proof from named the task's points and the claimant but
not its deadline: on a phone, with the board left behind, "by when?" meant opening the
task again. While proof is still to be sent the deadline is on the claim's page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_claim_page_names_the_deadline_while_proof_is_to_be_sent(world):
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    resident = client_for(world.resident_wang)
    when = timezone.localtime(task.deadline)
    page = resident.get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert 'id="deadline"' in page and f"{when.month}月{when.day}日" in page.split('id="deadline"')[1][:40]
    assert "已过截止时间" not in page
    # Past the deadline, the proof can still be sent: the page says the time has passed.
    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert "已过截止时间" in resident.get(f"/tasks/claims/{claim.pk}/").content.decode()
    # Once the proof is in, the deadline is no longer the claimant's concern.
    prove(world.resident_wang, claim)
    assert 'id="deadline"' not in resident.get(f"/tasks/claims/{claim.pk}/").content.decode()
