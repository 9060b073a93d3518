"""A merge chosen from a page opened before a colleague merged (or rejected) the problem
chosen as the target: refused as "只能合并到另一个有效的问题", which named neither what
happened to it nor where to merge instead. The refusal now says what became of it (and
names the problem it lives on in), and the page keeps the number typed."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import act, report, verified
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_merging_into_a_problem_merged_meanwhile_names_where_it_went(world):
    p, target, survivor = (report(world) for _ in range(3))
    act(world, world.secretary_zhang, p, "accept")
    staff = client_for(world.users["community_staff@A1"])
    assert staff.get(f"/problems/{p.pk}/").status_code == 200  # the page, opened first
    act(world, world.secretary_zhang, target, "merge", into=survivor.pk)  # a colleague, meanwhile
    r = staff.post(
        f"/problems/{p.pk}/act/",
        {"action": "merge", "into": target.number, "note": "同一处下水道"},
    )
    body = r.content.decode()
    assert r.status_code == 400
    assert f"问题 {target.number} 已合并到问题 {survivor.number}" in body
    assert f'value="{target.number}"' in body and "同一处下水道" in body
    assert Problem.objects.get(pk=p.pk).status == "accepted"


def test_merging_into_a_rejected_problem_says_so(world):
    p, target = report(world), report(world)
    act(world, world.secretary_zhang, target, "reject", note="不属于社区事务")
    with pytest.raises(ValidationFailed, match=f"问题 {target.number} 已不予立案，不能作为合并目标"):
        act(world, world.secretary_zhang, p, "merge", into=target.pk)


def test_merging_into_itself_says_so(world):
    p = report(world)
    with pytest.raises(ValidationFailed, match="不能合并到本问题自身"):
        act(world, world.secretary_zhang, p, "merge", into=p.pk)


@pytest.mark.parametrize("rated", [False, True])
def test_a_new_report_is_not_merged_into_a_closed_problem(world, rated):
    """The drain blocked again after last month's problem was closed: merged into it, the
    new report became 已合并 under a problem nobody was handling, and the blockage sat.
    Refused, with what to do instead; an open problem is still a target."""
    closed, p = verified(world), report(world)
    if rated:
        act(world, world.resident_wang, closed, "evaluate", resolved=True, satisfaction=5)
    with pytest.raises(ValidationFailed, match=f"问题 {closed.number} 已办结，不能作为合并目标") as refused:
        act(world, world.secretary_zhang, p, "merge", into=closed.pk)
    assert "请对本问题立案" in refused.value.fields["into"]
    assert Problem.objects.get(pk=p.pk).status == "reported"
    open_one = report(world)
    act(world, world.secretary_zhang, p, "merge", into=open_one.pk)
    assert Problem.objects.get(pk=p.pk).merged_into_id == open_one.pk
