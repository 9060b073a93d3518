"""A grid worker's own patrol reports and the problems they follow are listed on 我的问题,
but the menu offers that page only to those without the board: staff reached it only by
typing its address. The board now links it for whoever may report."""

import pytest

from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_board_links_my_problems_for_staff_who_report(world):
    worker = client_for(world.grid_worker_li)
    board = worker.get("/problems/").content.decode()
    assert 'href="/problems/mine/"' in board
    mine = report(world, actor=world.grid_worker_li, source="patrol")
    assert f"/problems/{mine.pk}/" in worker.get("/problems/mine/").content.decode()


def test_a_resident_has_the_menu_link_and_no_board(world):
    page = client_for(world.resident_wang).get("/problems/mine/")
    assert page.status_code == 200 and 'href="/problems/mine/"' in page.content.decode()
