"""The street's 待审批 notice opens the lists waiting for its review: it opened every list
of every community and month, 20 a page, and the one to approve could be on another page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.areas.models import Area
from shequ.notifications.models import Notification
from shequ.tasks.models import MonthlyList
from shequ.tasks.tests.helpers import submitted_list
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_review_notice_leads_to_the_list_to_approve(world):
    # The street's other communities' lists of later months, listed before it (20 a page).
    others = Area.objects.filter(parent=world.areas["A"], kind="community").exclude(pk=world.areas["A1"].pk)
    later = timezone.localdate() + timedelta(days=70)
    MonthlyList.objects.bulk_create(
        MonthlyList(
            area=area,
            area_path=area.path,
            month=f"{later.year + n // 12}{(later.month + n) % 12 + 1:02d}",
            publish_on=later,
            created_by=world.secretary_zhang,
        )
        for area in others[:3]
        for n in range(8)
    )
    monthly = submitted_list(world)
    notice = Notification.objects.filter(user=world.street_chen, text__contains="待审批").latest("id")
    c = client_for(world.street_chen)
    page = c.get(c.get(f"/notifications/{notice.pk}/open/")["Location"]).content.decode()
    assert f"/tasks/monthly/{monthly.pk}/act/" in page
