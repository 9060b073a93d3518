"""A second tap of a claim's step just taken (a slow connection, a second tab) answered
"接单当前为“已验收”，不能进行“验收通过”", which read as if the first had failed. It is
said as what it is, and nothing is written twice."""

import pytest

from shequ.core.errors import Conflict, ValidationFailed
from shequ.problems.tests.helpers import jpeg
from shequ.tasks import services
from shequ.tasks.models import Award, ClaimEvent
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_second_accept_is_told_it_was_done_and_awards_once(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    act(world.grid_worker_li, claim, "accept")
    page = client_for(world.grid_worker_li).post(f"/tasks/claims/{claim.pk}/act/", {"action": "accept"})
    body = page.content.decode()
    assert page.status_code == 409 and "您已于" in body and "进行了“验收通过”" in body
    assert "无需重复操作" in body and "不能进行" not in body
    assert Award.objects.filter(claim=claim).count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="accept").count() == 1


def test_a_second_proof_upload_is_told_it_was_sent(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    with pytest.raises(Conflict, match="进行了“提交完成凭证”.*无需重复操作"):
        act(world.resident_wang, claim, "submit", note="已更换，灯亮了", files=[jpeg()])
    assert ClaimEvent.objects.filter(claim=claim, action="submit").count() == 1


def test_someone_elses_step_is_still_refused_by_the_state(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    act(world.grid_worker_li, claim, "accept")
    with pytest.raises(ValidationFailed, match="接单当前为“已验收”"):
        act(world.users["community_staff@A1"], claim, "accept")
