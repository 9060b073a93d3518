"""The inbox's 全部待核查 led to the board filtered by 已反馈, which listed the viewer's own
work among what waited on their check (and which they may not check): it now leads to the
board's 待核查 list, the problems reported back that wait on the viewer, as the inbox and
the API's verify=true have them."""

import pytest

from shequ.problems import selectors
from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def reported_back(world, by, category="blocked_drain"):
    p = report(world, category=category)
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    act(world, by, p, "start")
    return act(world, by, p, "report_back", note="已处理", photos=[jpeg()])


def test_the_board_lists_exactly_what_waits_on_the_viewers_check(world):
    staff = world.users["community_staff@A1"]
    own = reported_back(world, staff)
    theirs = reported_back(world, world.secretary_zhang)
    client = client_for(staff)
    page = client.get("/problems/", {"verify": "1"}).content.decode()
    assert theirs.number in page and own.number not in page
    assert "待核查" in page
    mine = {p.pk for p in selectors.verify_queue(staff)}
    assert theirs.pk in mine and own.pk not in mine
    # The board's filters narrow it, and its form keeps the list.
    narrowed = client.get("/problems/", {"verify": "1", "category": "fire_lane"}).content.decode()
    assert theirs.number not in narrowed
    assert 'name="verify" value="1"' in narrowed


def test_the_inbox_link_leads_to_the_viewers_verify_list(world, monkeypatch):
    theirs = reported_back(world, world.secretary_zhang)
    monkeypatch.setattr(selectors, "to_verify", lambda viewer, limit=50: [theirs] * 50)
    page = client_for(world.users["community_staff@A1"]).get("/problems/inbox/").content.decode()
    assert "全部待核查" in page
    assert "?verify=1" in page and "?status=reported_back" not in page
