"""The fields of the page's 改派 part are read by 立案 and 派遣 only: a 责任单位 typed at 立案
was dropped (派遣 then went out without it), and a level chosen with 上报上一级 was ignored
(it goes one level up, not to the level chosen), each without a word."""

import pytest

from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_routing_fields_with_an_action_that_does_not_read_them_bring_the_page_back(world):
    p = report(world, description="楼道下水管堵塞，污水外溢")
    c = client_for(world.users["community_staff@A1"])
    r = c.post(f"/problems/{p.pk}/act/", {"action": "accept", "responsible_party": "阳光物业公司"})
    body = r.content.decode()
    assert r.status_code == 400 and "派遣时填写" in body and 'value="阳光物业公司"' in body
    assert Problem.objects.get(pk=p.pk).status == Status.REPORTED
    assert c.post(f"/problems/{p.pk}/act/", {"action": "accept"}).status_code == 302
    up = {"action": "escalate", "note": "社区无法解决", "level": "department"}
    r = c.post(f"/problems/{p.pk}/act/", up)
    assert r.status_code == 400 and "上报上一级只上报到上一级" in r.content.decode()
    assert Problem.objects.get(pk=p.pk).handling_level == "community"
    # Read by the actions that take them.
    r = c.post(f"/problems/{p.pk}/act/", {"action": "dispatch", "responsible_party": "阳光物业公司"})
    assert r.status_code == 302 and Problem.objects.get(pk=p.pk).responsible_party == "阳光物业公司"
