"""A grid worker clearing 待验收 opened a proof, pressed 验收通过, and was left on the claim's
page: back to the list by hand for every proof. A claim opened from the queue now goes
back to the queue's page after 验收通过 or 退回, named above the list; opened on its own
(a notice's link) it stays on the claim's page, as before."""

import pytest

from shequ.tasks import services
from shequ.tasks.models import Claim
from shequ.tasks.tests.helpers import make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_proof_accepted_from_the_queue_returns_to_the_queue_naming_it(world):
    task = make_task(world, title="更换楼道灯泡")
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    worker = client_for(world.grid_worker_li)
    queue = worker.get("/tasks/queue/").content.decode()
    link = f"/tasks/claims/{claim.pk}/?queue=1"
    assert link in queue
    page = worker.get(link).content.decode()
    assert 'name="queue" value="1"' in page and "返回待验收" in page
    version = page.split('name="seen" value="')[1].split('"')[0]
    r = worker.post(f"/tasks/claims/{claim.pk}/act/", {"action": "accept", "seen": version, "queue": "1"})
    assert r.status_code == 302 and r["Location"] == f"/tasks/queue/?page=1&done={claim.pk}"
    assert Claim.objects.get(pk=claim.pk).status == "accepted"
    listed = worker.get(r["Location"]).content.decode()
    assert 'id="done"' in listed and "已验收" in listed and "更换楼道灯泡" in listed


def test_a_return_refused_keeps_the_way_back_and_a_claim_opened_alone_stays(world):
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, make_task(world).pk))
    worker = client_for(world.grid_worker_li)
    # 退回 with no reason is refused: the page comes back still knowing the queue.
    r = worker.post(f"/tasks/claims/{claim.pk}/act/", {"action": "return", "note": "", "queue": "2"})
    assert r.status_code == 400 and 'name="queue" value="2"' in r.content.decode()
    # Opened from a notice, not the queue: the claim's own page after the step.
    r = worker.post(f"/tasks/claims/{claim.pk}/act/", {"action": "return", "note": "照片看不清灯"})
    assert r.status_code == 302 and r["Location"] == f"/tasks/claims/{claim.pk}/"


def test_done_names_nothing_the_viewer_may_not_see(world):
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, make_task(world).pk))
    other = client_for(world.users["grid_worker@B1-1"])
    assert 'id="done"' not in other.get(f"/tasks/queue/?done={claim.pk}").content.decode()
