"""双报到 is recorded by the community's staff, never by the member: the member is told
when it is recorded (the community's public tasks are now theirs to claim) and when it
is ended (they are no longer), instead of finding out from the board."""

import pytest

from shequ.notifications.models import Notification
from shequ.party import services as party

pytestmark = pytest.mark.django_db


def test_the_member_is_told_of_the_registration_and_of_its_end(world):
    # Given: the unit login of community A2, an in-service party member
    member = world.users["partner_unit@A2"]
    # When: community A1's secretary records their 双报到
    found = party.register_dual(world.secretary_zhang, world.areas["A1"].code, member.username, "区税务局")
    # Then: they are told, with a link to the task board
    told = Notification.objects.filter(user=member).latest("id")
    assert "春元里社区" in told.text and "双报到" in told.text and "公开任务" in told.text
    assert told.link == "/tasks/"
    # When: it is ended, they are told that too
    party.end_dual(world.secretary_zhang, found.pk)
    ended = Notification.objects.filter(user=member).latest("id")
    assert ended.pk != told.pk and "已撤销" in ended.text and "春元里社区" in ended.text
