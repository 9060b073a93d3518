"""A grid worker who opened 我的任务 (an old bookmark, a link) was told 去任务大厅接单, and
the hall then offered them nothing to claim: their login does not claim tasks. They are
told so, and led to the task list and 待验收 they work with."""

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_grid_worker_is_told_their_login_does_not_claim(world):
    page = client_for(world.grid_worker_li).get("/tasks/mine/").content.decode()
    assert "去任务大厅接单" not in page and "我的积分" not in page
    assert "您的账号不接单" in page and 'href="/tasks/"' in page


def test_a_resident_is_still_sent_to_the_hall(world):
    page = client_for(world.resident_wang).get("/tasks/mine/").content.decode()
    assert "去任务大厅接单" in page and "您的账号不接单" not in page
