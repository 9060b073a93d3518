"""上报上一级 hands the problem to the next level, whose 派遣 names its own 责任单位: the
one the lower level had dispatched to stayed on the problem, so the page, the API and the
ledger showed the department level answered by the property company it was taken from."""

import pytest

from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_escalating_leaves_the_new_level_without_the_old_responsible_party(world):
    zhang = world.secretary_zhang
    p = report(world, category="property_management", description="物业长期不清理楼道杂物")
    act(world, zhang, p, "accept")
    p = act(world, zhang, p, "dispatch", responsible_party="阳光物业公司")
    assert (p.handling_level, p.responsible_party, p.assignee) == ("street", "阳光物业公司", zhang)
    p = act(world, zhang, p, "escalate", note="物业公司拒不整改，请职能部门处理")
    assert (p.status, p.handling_level, p.responsible_party) == ("accepted", "department", "")
    body = client_for(world.street_chen).get(f"/api/v1/problems/{p.pk}").json()
    assert body["responsible_party"] == ""
    page = client_for(world.street_chen).get(f"/problems/{p.pk}/").content.decode()
    assert "阳光物业公司" not in page.split("<h2>处理经过</h2>")[0]
