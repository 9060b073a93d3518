"""A targeted task claimed for a partner unit pays the unit's account: the member is told
so (naming the unit), and sees the unit's balance and entries on 我的积分 and in the API."""

import pytest
from django.test import Client

from shequ.notifications.models import Notification
from shequ.tasks.tests.helpers import unit_task_accepted

pytestmark = pytest.mark.django_db


def test_the_member_is_told_the_points_went_to_the_unit(world):
    unit, partner, task = unit_task_accepted(world)
    text = Notification.objects.filter(user=partner).latest("id").text
    assert "区供电所" in text and "单位账户" in text and f"{task.points} 积分" in text
    assert "获得" not in text


def test_my_points_shows_the_units_balance_and_entries(world):
    unit, partner, task = unit_task_accepted(world)
    client = Client()
    client.force_login(partner)
    page = client.get("/points/").content.decode()
    assert "区供电所" in page and 'id="unit-balance-' in page and "完成任务：配电箱检修" in page
    body = client.get("/api/v1/points/balance").json()
    assert body["balance"] == 0
    [found] = body["units"]
    assert found["name"] == "区供电所" and found["balance"] == task.points
    assert found["entries"][0]["amount"] == task.points and "配电箱检修" in found["entries"][0]["memo"]


def _nav(page):
    return page[page.index("<nav>") : page.index("</nav>")]


def test_a_units_login_is_shown_its_units_points_not_a_personal_balance_or_the_store(world):
    """A partner unit's login read 余额 0 分, a 积分兑换 button and "去任务大厅接单吧" above
    its unit's real points, and the store in its navigation, though units do not redeem."""
    unit, partner, task = unit_task_accepted(world)
    client = Client()
    client.force_login(partner)
    page = client.get("/points/").content.decode()
    assert '<b id="unit-balance-' in page and "区供电所" in page
    assert 'id="balance"' not in page and '<p class="balance">余额' not in page
    assert 'href="/points/store/"' not in page and "任务大厅" not in page
    assert 'id="no-personal"' in page
    # A resident who has earned nothing yet is still shown all three.
    client.force_login(world.resident_wang)
    page = client.get("/points/").content.decode()
    assert 'id="balance"' in page and "任务大厅" in page and 'id="no-personal"' not in page
    assert 'href="/points/store/"' in _nav(page)


def test_the_navigation_offers_the_store_only_to_those_who_can_redeem(world):
    partner = world.users["partner_unit@A1"]
    client = Client()
    client.force_login(partner)
    nav = _nav(client.get("/tasks/").content.decode())
    assert 'href="/points/"' in nav and 'href="/points/store/"' not in nav
    client.force_login(world.resident_wang)
    assert 'href="/points/store/"' in _nav(client.get("/tasks/").content.decode())
