"""Staff who type the 编号 to merge into but leave the action at its first choice (立案):
the problem was accepted instead of merged, the number dropped without a word, and a
duplicate went on to be dispatched as a problem of its own."""

import pytest

from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_merge_number_with_another_action_brings_the_page_back(world):
    first = report(world, description="3号楼下水道堵塞")
    dup = report(world, world.users["resident@A1-1-h2"], description="3号楼下水道又堵了")
    c = client_for(world.users["community_staff@A1"])
    r = c.post(f"/problems/{dup.pk}/act/", {"action": "accept", "into": first.number})
    body = r.content.decode()
    assert r.status_code == 400 and "操作却不是“合并为重复问题”" in body and first.number in body
    assert Problem.objects.get(pk=dup.pk).status == Status.REPORTED
    r = c.post(f"/problems/{dup.pk}/act/", {"action": "merge", "into": first.number})
    assert r.status_code == 302 and Problem.objects.get(pk=dup.pk).merged_into_id == first.pk
