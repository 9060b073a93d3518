"""A party member hears of the service points staff record for them, as a claimant hears
of a task's points: they were told only when the points were taken back (冲正)."""

import pytest

from shequ.notifications.models import Notification
from shequ.points import services
from shequ.points.tests.helpers import party_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_member_is_told_of_service_points_with_what_they_were_for(world):
    member = party_member(world)
    record = services.record_service(
        world.secretary_zhang,
        services.ServiceInput(
            member=member.pk, kind="mediation", note="调解楼上漏水纠纷，邻居电话13912345678", points=8
        ),
    )
    notices = Notification.objects.filter(user=member)
    assert notices.count() == 1
    notice = notices.get()
    assert "8 积分" in notice.text and "调解邻里纠纷" in notice.text and "调解楼上漏水纠纷" in notice.text
    assert "13912345678" not in notice.text and "139****5678" in notice.text
    assert client_for(member).get(notice.link).status_code == 200
    # Nobody else is told; the reversal that follows names the same points.
    assert not Notification.objects.filter(text=notice.text).exclude(user=member).exists()
    services.reverse(world.street_chen, record.transaction.pk, "录错了人")
    assert notices.count() == 2


def test_the_holder_is_told_of_an_opening_balance(world):
    """期初积分 carried over from a paper ledger came in unannounced; its 冲正 was told."""
    wang = world.resident_wang
    before = Notification.objects.filter(user=wang).count()
    services.opening_balance(world.secretary_zhang, wang, 30, "原台账结转，经办人电话13912345678")
    notice = Notification.objects.filter(user=wang).latest("id")
    assert Notification.objects.filter(user=wang).count() == before + 1
    assert "期初积分" in notice.text and "30 积分" in notice.text and "原台账结转" in notice.text
    assert "13912345678" not in notice.text
    assert client_for(wang).get(notice.link).status_code == 200
