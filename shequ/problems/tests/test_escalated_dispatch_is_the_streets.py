"""A problem the community escalated to the street is the street's to dispatch: the
community's triage staff were still offered 派遣 on it, and could send it back down to
themselves (or dispatch it at the street level) after asking the street to take it,
while 上报上一级 and 督办 already treated it as the street's."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.problems.models import Problem
from shequ.problems.selectors import actions_for
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def escalated(world):
    p = report(world, category="blocked_drain")  # community level (seed 004)
    act(world, world.secretary_zhang, p, "accept")
    return act(world, world.secretary_zhang, p, "escalate", note="社区解决不了，请街道协调")


def test_the_community_cannot_dispatch_a_problem_it_escalated_to_the_street(world):
    p = escalated(world)
    staff = world.users["community_staff@A1"]
    for user in (world.secretary_zhang, staff):
        assert "dispatch" not in dict(actions_for(user, p))
        with pytest.raises(ValidationFailed) as exc:
            act(world, user, p, "dispatch", level="community", note="还是社区自己办")
        assert "街道" in exc.value.fields["action"] and "派遣" in exc.value.fields["action"]
    p = Problem.objects.get(pk=p.pk)
    assert (p.status, p.handling_level, p.assignee_id) == ("accepted", "street", None)
    # The street does dispatch it, sending it down too if it decides so.
    assert "dispatch" in dict(actions_for(world.street_chen, p))
    p = act(world, world.street_chen, p, "dispatch", level="community", note="街道意见：由社区牵头")
    assert (p.status, p.handling_level) == ("dispatched", "community")


def test_the_page_and_the_api_refuse_the_communitys_dispatch_naming_the_action(world):
    p = escalated(world)
    page = client_for(world.secretary_zhang)
    shown = page.get(f"/problems/{p.pk}/").content.decode()
    assert 'option value="dispatch"' not in shown
    form = {"action": "dispatch", "note": "社区自己办", "level": "community"}
    r = page.post(f"/problems/{p.pk}/act/", form)
    said = r.content.decode()
    assert r.status_code == 400 and "应由杆石桥街道派遣" in said
    api = client_for(world.users["community_staff@A1"])
    body = api.get(f"/api/v1/problems/{p.pk}").json()
    assert "dispatch" not in body["allowed_actions"]
    r = api.post(
        f"/api/v1/problems/{p.pk}/transitions",
        {"action": "dispatch", "note": "社区自己办", "level": "community"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "应由杆石桥街道派遣" in r.json()["fields"]["action"]
    assert Problem.objects.get(pk=p.pk).status == "accepted"


def test_a_street_level_category_is_still_dispatched_by_its_community(world):
    """Seed 004 has the community secretary coordinate a street-level problem (物业管理)
    and file it with the street: not escalated, the community dispatches it as before."""
    p = report(world, category="property_management", description="物业长期不清理楼道杂物")
    p = act(world, world.secretary_zhang, p, "accept")
    assert "dispatch" in dict(actions_for(world.secretary_zhang, p))
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert (p.status, p.handling_level) == ("dispatched", "street")
