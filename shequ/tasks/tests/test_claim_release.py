"""A claimant who went quiet held a place until the whole task was ended: nobody else
could take it, and the secretary's only way out was 结束任务 for everyone. The task's
managers now free such a place (释放名额), with a reason the claimant is told; a proof
already sent is reviewed, never released."""

import pytest

from shequ.core.errors import NotFound, ValidationFailed
from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.testing.clients import client_for, send_json

pytestmark = pytest.mark.django_db


def test_a_manager_frees_a_quiet_claimants_place_from_the_claim_page(world):
    task = make_task(world, places=1)
    claim = services.claim_task(world.resident_wang, task.pk)
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert 'value="release"' in page and "释放名额" in page
    # The claimant's own page offers 撤回接单, not the managers' step.
    own = client_for(world.resident_wang).get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert 'value="release"' not in own and 'value="withdraw"' in own

    r = staff.post(f"/tasks/claims/{claim.pk}/act/", {"action": "release", "note": ""})
    assert r.status_code == 400
    assert "释放名额需要填写原因" in r.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED

    r = staff.post(
        f"/tasks/claims/{claim.pk}/act/", {"action": "release", "note": "电话 13812345678 联系不上"}
    )
    assert r.status_code == 302
    claim.refresh_from_db()
    task.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN and task.filled == 0
    told = Notification.objects.filter(user=world.resident_wang, link=f"/tasks/claims/{claim.pk}/").latest(
        "id"
    )
    assert "释放名额" in told.text and "13812345678" not in told.text
    assert list(claim.events.values_list("action", flat=True)) == ["claim", "release"]
    # The place is free again: the next resident takes it.
    other = world.user("resident@A1-1-h2")
    assert services.claim_task(other, task.pk).status == ClaimStatus.CLAIMED


def test_a_proof_waiting_is_not_released_and_nobody_else_frees_a_place(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    with pytest.raises(ValidationFailed) as exc:
        act(world.secretary_zhang, claim, "release", note="久未联系")
    assert "待验收" in exc.value.fields["action"]
    fresh = make_task(world, key="A1-1")
    held = services.claim_task(world.resident_wang, fresh.pk)
    with pytest.raises(NotFound):  # out of scope
        act(world.outsider_zhao, held, "release", note="久未联系")
    with pytest.raises(ValidationFailed) as exc:  # the claimant withdraws instead
        act(world.resident_wang, held, "release", note="久未联系")
    assert "无权" in exc.value.fields["action"]
    held.refresh_from_db()
    assert held.status == ClaimStatus.CLAIMED


def test_the_api_releases_with_a_reason(world):
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    staff = client_for(world.secretary_zhang)
    listed = staff.get(f"/api/v1/claims/{claim.pk}").json()
    assert "release" in listed["allowed_actions"]
    r = send_json(staff, "post", f"/api/v1/claims/{claim.pk}/release", {"reason": ""})
    assert r.status_code == 400 and r.json()["fields"] == {"reason": "释放名额需要填写原因"}
    r = send_json(staff, "post", f"/api/v1/claims/{claim.pk}/release", {"reason": "已三周未联系上"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
