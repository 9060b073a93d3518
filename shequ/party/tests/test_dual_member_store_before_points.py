"""A party member reporting to a community (双报到) with no home in the register has
their points account opened there on their first points. Before it, 积分兑换 and 我的积分
showed the store and the notice board (公示栏) of where their unit is: an empty store or
another community's goods, and a board they will never be listed on."""

import pytest
from django.test import Client

from shequ.party import services as party
from shequ.points import services
from shequ.points.tests.helpers import item

pytestmark = pytest.mark.django_db


def test_before_the_first_points_the_store_and_board_are_those_of_the_community_reported_to(world):
    # Given: the unit login of community A2, reporting to community A1, with no points yet
    member = world.users["partner_unit@A2"]
    party.register_dual(world.secretary_zhang, world.areas["A1"].code, member.username, "区税务局")
    item(world, name="大米 5kg", key="A1")
    services.create_item(
        world.street_chen,
        services.ItemInput(name="洗衣液", price=20, stock=5, per_person_limit=1, area=world.areas["A2"].code),
    )
    c = Client()
    c.force_login(member)
    # When: they open the store and their points
    store = c.get("/points/store/").content.decode()
    mine = c.get("/points/").content.decode()
    # Then: A1's goods, toward which they earn, and A1's board
    assert "大米 5kg" in store and "洗衣液" not in store
    assert f"/points/notice/{world.areas['A1'].code}/" in mine
    assert f"/points/notice/{world.areas['A2'].code}/" not in mine
