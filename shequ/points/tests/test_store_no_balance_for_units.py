"""A partner unit's login opening 积分兑换 (from a link, or 我的订单's 去兑换) was shown
"我的积分：0 分" above the sentence saying it has no personal points account: a balance
it cannot have, read as its unit's points being gone."""

import pytest
from django.test import Client

from shequ.points.tests.helpers import fund, item

pytestmark = pytest.mark.django_db


def test_the_store_shows_no_personal_balance_to_a_units_login(world):
    item(world)
    c = Client()
    c.force_login(world.users["partner_unit@A1"])
    page = c.get("/points/store/").content.decode()
    assert 'id="no-personal"' in page and 'id="balance"' not in page and "我的积分：" not in page
    # A resident still sees theirs
    fund(world, world.resident_wang, 100)
    c.force_login(world.resident_wang)
    page = c.get("/points/store/").content.decode()
    assert 'id="balance"' in page and "我的积分：" in page
