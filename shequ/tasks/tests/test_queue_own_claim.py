"""Community staff often live in the community, and a staff login linked to its owner's
registry record claims public tasks as any resident (its proof is accepted by a
colleague, never by its owner). Their own proof was listed in their 待验收 queue, with no
button to act on it, and they were told "已提交完成凭证，待验收" of the proof they had just
sent. The queue lists, and the notice goes to, the others who may accept it."""

import pytest

from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, prove, staff_living_at
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_ones_own_proof_is_not_in_ones_queue_nor_told_to_oneself(world):
    staff = staff_living_at(
        world, "staff-who-lives-here", "A1-1-h2-r2", role="community_staff", area_key="A1"
    )
    task = make_task(world)
    claim = prove(staff, services.claim_task(staff, task.pk))
    own_queue = client_for(staff).get("/tasks/queue/").content.decode()
    assert f"/tasks/claims/{claim.pk}/" not in own_queue
    assert not Notification.objects.filter(user=staff, link=f"/tasks/claims/{claim.pk}/").exists()
    api = client_for(staff).get("/api/v1/claims/", {"queue": "true"}).json()["items"]
    assert claim.pk not in [c["id"] for c in api]
    # A colleague has it in theirs, and is told.
    colleague = client_for(world.grid_worker_li).get("/tasks/queue/").content.decode()
    assert f"/tasks/claims/{claim.pk}/" in colleague
    assert Notification.objects.filter(user=world.grid_worker_li, link=f"/tasks/claims/{claim.pk}/").exists()
