"""A community's 月报 is due at the street by the 25th (seed 004), and the street's table
showed 未报送（已逾期） the next day; but nobody at the community was reminded before. From
the 20th, the staff of each community that has not sent it are told, and once more after
the 25th that it is late; those that have sent it are not."""

from datetime import date

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.problems.models import ReportRun
from shequ.problems.services import send_report_reminders

pytestmark = pytest.mark.django_db


def _told(user, prefix="月报"):
    return Notification.objects.filter(
        user=user, link="/problems/reports/?month=202611", text__startswith=prefix
    )


def test_communities_not_yet_sent_are_reminded_from_the_20th_and_told_once_when_late(world):
    zhang, a2 = world.secretary_zhang, world.users["community_secretary@A2"]
    street = world.users["street_admin@A"]
    a2_area = world.areas["A2"]
    assert send_report_reminders(date(2026, 11, 19)) == 0  # not yet
    ReportRun.objects.create(
        area=a2_area,
        area_path=a2_area.path,
        month="202611",
        requested_by=a2,
        status="done",
        submitted_at=timezone.now(),
        submitted_by=a2,
    )
    send_report_reminders(date(2026, 11, 20))
    send_report_reminders(date(2026, 11, 24))  # hourly, daily: still once
    notice = _told(zhang, "月报报送提醒").get()
    assert "2026年11月问题清单月报须在11月25日前报送街道" in notice.text
    assert world.areas["A1"].name in notice.text
    # A2 has sent it; the street is not told of each community (its table shows them).
    assert not _told(a2).exists() and not _told(street).exists()
    send_report_reminders(date(2026, 11, 26))
    send_report_reminders(date(2026, 11, 27))
    assert "已过11月25日，尚未报送街道" in _told(zhang, "月报逾期提醒").get().text
