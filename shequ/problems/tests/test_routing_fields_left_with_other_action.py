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


def test_the_api_refuses_them_too_naming_each_field(world):
    """The API dropped them the same way: ``into`` sent with 立案 accepted the duplicate."""
    import json

    p = report(world, description="小区门口路灯不亮")
    api = client_for(world.users["community_staff@A1"])
    url = f"/api/v1/problems/{p.pk}/transitions"

    def send(body):
        return api.post(url, json.dumps(body), content_type="application/json")

    r = send({"action": "accept", "into": 1, "responsible_party": "阳光物业公司"})
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"into", "responsible_party"}
    assert "合并为重复问题" in r.json()["fields"]["into"]
    assert Problem.objects.get(pk=p.pk).status == Status.REPORTED
    # Blank ones are not sent, and the fields are taken by the actions that read them.
    assert send({"action": "accept", "into": "", "responsible_party": None}).status_code == 200
    r = send({"action": "escalate", "note": "社区无法解决", "level": "department"})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"level"}
    r = send({"action": "dispatch", "responsible_party": "阳光物业公司"})
    assert r.status_code == 200 and r.json()["responsible_party"] == "阳光物业公司"
