"""A retired category leaves the report form, not the lists: its problems are still on
the board and the map, and staff filter them by it. The filters offered only categories
in use, so after retiring one its open problems could not be picked out, and a board
opened filtered by it showed the choice as 全部 while listing that category alone."""

import pytest

from shequ.problems import services
from shequ.problems.models import ProblemCategory
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _retire(world, code):
    c = ProblemCategory.objects.get(code=code)
    data = services.CategoryInput(
        name=c.name,
        handling_level=c.handling_level,
        ledger_type=c.ledger_type,
        deadline_class=c.deadline_class,
        responsible_role=c.responsible_role,
        active=False,
        sort=c.sort,
    )
    services.save_category(world.street_chen, data, c.pk)


def test_staff_still_filter_the_board_and_the_map_by_a_retired_category(world):
    p = report(world, category="garbage", description="垃圾桶满溢三天")
    _retire(world, "garbage")
    staff = client_for(world.secretary_zhang)
    board = staff.get("/problems/", {"category": "garbage"}).content.decode()
    assert p.number in board
    assert '<option value="garbage" selected>垃圾清运（已停用）</option>' in board
    chart = staff.get("/problems/map/", {"category": "garbage"}).content.decode()
    assert '<option value="garbage" selected>垃圾清运（已停用）</option>' in chart
    # The report form still offers only the categories in use.
    form = client_for(world.resident_wang).get("/problems/new/").content.decode()
    assert 'value="garbage"' not in form
