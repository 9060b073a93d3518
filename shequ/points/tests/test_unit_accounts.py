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
