"""A second tap that overlaps the first (a slow phone: the first request still storing
its photos when the second arrives) passes the checks before either is written, and
then finds the claim moved inside its transaction. It was told "接单状态刚刚被他人改变",
as if a colleague had acted, about the claimant's or the verifier's own step. It is now
said as the sequential second tap is, and nothing is written twice."""

import copy

import pytest

from shequ.core.errors import Conflict, ValidationFailed
from shequ.problems.tests.helpers import jpeg
from shequ.tasks import services
from shequ.tasks.models import Award, Claim, ClaimEvent, ProofFile
from shequ.tasks.tests.helpers import act, make_task, prove

pytestmark = pytest.mark.django_db


def as_first_read(monkeypatch, claim_id):
    """The claim as both requests read it before the first one wrote."""
    stale = Claim.objects.select_related("task").get(pk=claim_id)
    monkeypatch.setattr(services, "get_claim", lambda actor, pk: copy.deepcopy(stale))


def test_an_overlapping_second_accept_is_told_it_was_done_and_awards_once(world, monkeypatch):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    as_first_read(monkeypatch, claim.pk)
    act(world.grid_worker_li, claim, "accept")
    with pytest.raises(Conflict, match="进行了“验收通过”.*无需重复操作"):
        act(world.grid_worker_li, claim, "accept")
    assert Award.objects.filter(claim=claim).count() == 1
    assert ClaimEvent.objects.filter(claim=claim, action="accept").count() == 1


def test_an_overlapping_second_proof_is_told_it_was_sent_and_keeps_no_files(world, monkeypatch):
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    as_first_read(monkeypatch, claim.pk)
    prove(world.resident_wang, claim)
    with pytest.raises(Conflict, match="进行了“提交完成凭证”.*无需重复操作"):
        act(world.resident_wang, claim, "submit", note="已更换，灯亮了", files=[jpeg()])
    assert ClaimEvent.objects.filter(claim=claim, action="submit").count() == 1
    assert ProofFile.objects.filter(claim=claim).count() == 1


def test_a_colleagues_overlapping_step_is_named_by_the_state(world, monkeypatch):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    as_first_read(monkeypatch, claim.pk)
    act(world.users["community_staff@A1"], claim, "accept")
    with pytest.raises(ValidationFailed, match="接单当前为“已验收”，不能进行“退回”"):
        act(world.grid_worker_li, claim, "return", note="照片看不清")
    assert Claim.objects.get(pk=claim.pk).status == "accepted"
