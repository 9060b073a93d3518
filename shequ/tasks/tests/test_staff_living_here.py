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
