"""A grid worker often lives in the community they serve, in another grid than the one
they work in. Their login, linked to their registry record, claims public tasks as any
resident (docs/tasks.md), yet a task set for the whole community, or for their home
grid, lay outside their work scope and was not open to them: its page and the API
answered 404 and the board did not list it, so they could never claim it."""

import pytest

from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import make_task, staff_living_at
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_worker_at_home(world):
    # Works in grid A1-1, lives in a household of grid A1-2 (same community A1).
    return staff_living_at(world, "gw-a1-1-lives-a1-2", "A1-2-h1-r2")


def test_a_grid_worker_claims_a_public_task_of_the_community_they_live_in(world, grid_worker_at_home):
    task = make_task(world, key="A1")  # set for the whole community
    c = client_for(grid_worker_at_home)
    assert c.get(f"/api/v1/tasks/{task.pk}").status_code == 200
    page = c.get(f"/tasks/{task.pk}/").content.decode()
    assert 'value="claim"' in page
    assert f"/tasks/{task.pk}/" in c.get("/tasks/").content.decode()
    r = c.post(f"/api/v1/tasks/{task.pk}/claims")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == ClaimStatus.CLAIMED


def test_their_home_grids_task_is_open_to_them_and_another_communitys_is_not(world, grid_worker_at_home):
    home = make_task(world, key="A1-2")
    elsewhere = make_task(world, actor=world.outsider_zhao, key="B1")
    c = client_for(grid_worker_at_home)
    assert c.get(f"/api/v1/tasks/{home.pk}").status_code == 200
    assert c.get(f"/api/v1/tasks/{elsewhere.pk}").status_code == 404
    board = c.get("/tasks/").content.decode()
    assert f"/tasks/{home.pk}/" in board and f"/tasks/{elsewhere.pk}/" not in board


def test_they_reach_their_claims_points_and_the_store_from_the_navigation(world, grid_worker_at_home):
    """Their claim accepted, the points went to their own account, yet the navigation
    offered 我的任务, 我的积分 and 积分兑换 only to holders of task.claim: their claims,
    balance and the store were reachable by typing the address alone."""
    from shequ.tasks import services
    from shequ.tasks.tests.helpers import act, prove

    task = make_task(world, key="A1")
    claim = prove(grid_worker_at_home, services.claim_task(grid_worker_at_home, task.pk))
    act(world.secretary_zhang, claim, "accept")
    c = client_for(grid_worker_at_home)
    home = c.get("/", follow=True).content.decode()
    for link in ("/tasks/mine/", "/points/", "/points/store/"):
        assert f'href="{link}"' in home, link
        assert c.get(link).status_code == 200, link
    assert f"/tasks/claims/{claim.pk}/" in c.get("/tasks/mine/").content.decode()
    assert c.get("/api/v1/points/balance").json()["balance"] == task.points
    # A colleague with no registry record holds no points: none of the three.
    plain = client_for(world.grid_worker_li).get("/", follow=True).content.decode()
    assert 'href="/points/"' not in plain and 'href="/tasks/mine/"' not in plain


def test_the_api_lists_their_home_communitys_tasks_when_asked_for_it(world):
    """Their list has the public tasks where they live, but naming that community in
    ``area`` answered 404, as a place outside their work's scope."""
    gw = staff_living_at(world, "gw-a1-1-lives-a2", "A2-1-h1-r2")  # works in A1-1, lives in A2
    home = make_task(world, actor=world.users["community_secretary@A2"], key="A2")
    c = client_for(gw)
    r = c.get("/api/v1/tasks/", {"area": world.areas["A2"].code})
    assert r.status_code == 200, r.content
    assert home.pk in [t["id"] for t in r.json()["items"]]
    assert c.get("/api/v1/tasks/", {"area": world.areas["A1-1"].code}).status_code == 200
    # Another place outside both is still the 404 it was.
    assert c.get("/api/v1/tasks/", {"area": world.areas["B1"].code}).status_code == 404
