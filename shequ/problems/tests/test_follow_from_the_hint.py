"""关注进展 in the duplicate hint, which sits in the report form: a problem closed (or
merged) between the hint and the tap took the resident to a whole 404 page, 问题不存在或
无权查看, away from the report being typed. Sent in the background, the refusal is said in
the hint, drawn again for the place, and the report stays on the page."""

import pytest

from shequ.problems.tests.helpers import act, grid_point, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/problems/new/"}


def test_a_problem_closed_after_the_hint_is_said_in_the_hint(world):
    # Given a neighbour reporting a blocked drain where one is already reported
    p = report(world)
    neighbour = client_for(world.user("resident@A1-1-h2"))
    lon, lat = grid_point(world)
    hint = neighbour.get(
        "/problems/nearby/", {"category": "blocked_drain", "lon": lon, "lat": lat}, headers=HTMX
    ).content.decode()
    # The hint's 关注进展 goes in the background, into the hint, and names the category
    assert f'hx-post="/problems/{p.pk}/follow/"' in hint and 'hx-target="#nearby"' in hint
    assert 'name="category" value="blocked_drain"' in hint
    sent = {"category": "blocked_drain", "lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}
    # When the community rejects it before the neighbour taps 关注进展
    act(world, world.secretary_zhang, p, "reject", note="重复")
    r = neighbour.post(f"/problems/{p.pk}/follow/", sent, headers=HTMX)
    # Then the hint says so, in place (409 is swapped), and lists what is still open there
    body = r.content.decode()
    assert r.status_code == 409 and "<html" not in body.lower()
    assert "这个问题已不予立案，不能再关注" in body and "请继续上报" in body
    assert p.number not in body
    # One the neighbour could never have followed (not where they report) is said alike for
    # every reason, so that ids cannot be probed.
    far = {**sent, "lon": f"{lon + 0.01:.7f}"}
    body = neighbour.post(f"/problems/{p.pk}/follow/", far, headers=HTMX).content.decode()
    assert "刚才选择的问题已经不能关注" in body and "请继续填写并上报" in body


def test_following_from_the_hint_leads_to_the_problem(world):
    p = report(world)
    neighbour = client_for(world.user("resident@A1-1-h2"))
    lon, lat = grid_point(world)
    sent = {"category": "blocked_drain", "lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}
    r = neighbour.post(f"/problems/{p.pk}/follow/", sent, headers=HTMX)
    assert r.status_code == 200 and r["HX-Redirect"] == f"/problems/{p.pk}/?followed=1"
    assert "已关注这个问题" in neighbour.get(r["HX-Redirect"]).content.decode()
