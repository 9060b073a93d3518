"""Staff add a login to a partner unit and take it off again; the member was told
neither, so a new member never learned the unit's targeted tasks were theirs to claim,
and one taken off found them gone from the board."""

import pytest

from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import unit_with_member

pytestmark = pytest.mark.django_db


def test_a_member_is_told_when_added_to_a_unit_and_when_taken_off(world):
    # When: the secretary adds community A1's unit login to 区供电所
    unit, partner = unit_with_member(world)
    # Then: the member is told, with a link to the task board
    added = Notification.objects.filter(user=partner).latest("id")
    assert "区供电所" in added.text and "定向任务" in added.text and added.link == "/tasks/"
    # When: the secretary takes them off, they are told that too
    services.remove_unit_member(world.secretary_zhang, unit.pk, partner.pk)
    removed = Notification.objects.filter(user=partner).latest("id")
    assert removed.pk != added.pk and "不再是区供电所的成员" in removed.text
