"""A community's table has a row for what is placed on the community itself, so that its
rows add up to the figures on the cards above them."""

import re

import pytest

from shequ.party.models import PartyOrgKind
from shequ.party.services import create_party_org
from shequ.reports.selectors import compute
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_branches_placed_on_the_community_have_a_row_of_their_own(world):
    """A community's party branches are registered on the community, not on a grid: the
    card said 党支部 2 while every grid row said 0, and nothing said where the two were."""
    a1 = world.areas["A1"]
    for n in (1, 2):
        create_party_org(name=f"测试第{n}党支部", kind=PartyOrgKind.BRANCH, area=a1)
    table = compute(a1)
    # Given: the branches counted on the card
    assert table.total.party_branches >= 2
    # Then: the grid rows and the community's own row add up to it, and to every other card
    assert table.direct is not None
    for key in ("grids", "buildings", "households", "residents", "party_branches", "party_members"):
        in_rows = sum(getattr(stats, key) for _, stats in table.rows) + getattr(table.direct, key)
        assert in_rows == getattr(table.total, key), key
    assert table.direct.party_branches == table.total.party_branches - sum(
        s.party_branches for _, s in table.rows
    )

    page = client_for(world.secretary_zhang).get("/").content.decode()
    row = re.search(r"<tr><td>直接归属[^<]*.*?</tr>", page, re.S)
    assert row is not None, "no row for the community itself"
    cells = re.findall(r"<td>(\d+)</td>", row.group(0))
    # …, 党支部, 党员: the last two columns
    assert int(cells[-2]) == table.direct.party_branches >= 2


def test_no_extra_row_when_everything_is_in_a_grid(world):
    """The community itself is not a record placed on it: with nothing else there, no row."""
    a2 = world.areas["A2"]
    table = compute(a2)
    if table.direct is None:
        assert sum(s.residents for _, s in table.rows) == table.total.residents
    else:  # the session's demo data may have placed something on A2 itself
        assert table.direct.communities == 0
    page = client_for(world.street_chen).get("/").content.decode()
    # The street's rows are communities: nothing of the demo is placed on the street itself.
    street = compute(world.areas["A"])
    assert (street.direct is None) == ("直接归属" not in page)


def test_a_community_page_has_no_grid_column_of_ones(world):
    """A community's rows are its grids, so its 网格 column counted 1 on every row (as the
    street's 社区 column once did); a grid's rows are buildings, whose 楼栋 column counted 1
    and 网格 column 0 on every row."""
    page = client_for(world.secretary_zhang).get("/").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert "<th>名称</th><th>楼栋</th><th>户数</th>" in head and "网格" not in head
    row = page[page.index("<tbody>") : page.index("</tr>", page.index("<tbody>"))]
    assert len(re.findall(r"<td>", row)) == 8  # 名称 and the seven columns the head names
    assert "</b><span>网格</span>" in page  # the community's number of grids stays on its card
    grid = world.areas["A1-1"]
    page = client_for(world.grid_worker_li).get(f"/areas/{grid.code}/").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert "<th>名称</th><th>户数</th>" in head and "楼栋" not in head and "网格" not in head
    # The street's rows are communities: both columns count something there.
    page = client_for(world.street_chen).get("/").content.decode()
    assert "<th>名称</th><th>网格</th><th>楼栋</th>" in page


def test_no_card_counts_the_area_itself(world):
    """A community's page had a 社区 card saying 1 (itself), a grid's a 网格 card saying 1."""
    page = client_for(world.secretary_zhang).get("/").content.decode()
    assert "</b><span>社区</span>" not in page and "</b><span>网格</span>" in page
    grid = world.areas["A1-1"]
    page = client_for(world.grid_worker_li).get(f"/areas/{grid.code}/").content.decode()
    assert "</b><span>网格</span>" not in page and "</b><span>楼栋</span>" in page
    page = client_for(world.street_chen).get("/").content.decode()
    assert all(f"</b><span>{kind}</span>" in page for kind in ("社区", "网格", "楼栋"))
