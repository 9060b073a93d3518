"""The street's notice that a community sent its 月报 leads to 报送情况
(/problems/reports/?month=…#submissions); opening it there, not from the inbox, left
the notice unread and the badge counting it, as other pages' own notices are not."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.problems import monthly, services
from shequ.problems.models import ReportRun
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_opening_the_submissions_table_reads_its_notice(world, monkeypatch):
    moment = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    run = services.request_monthly_report(world.secretary_zhang, world.areas["A1"].code, "202611")
    monthly.run_report(run.pk)
    services.submit_monthly_report(world.secretary_zhang, ReportRun.objects.get(pk=run.pk).pk)
    told = Notification.objects.filter(user=world.street_chen).latest("pk")
    assert told.link == "/problems/reports/?month=202611#submissions" and told.read_at is None
    street = client_for(world.street_chen)
    street.get("/problems/reports/", {"month": "202610"})  # another month's table: not this notice
    told.refresh_from_db()
    assert told.read_at is None
    street.get("/problems/reports/", {"month": "202611"})  # what the notice's link opens
    told.refresh_from_db()
    assert told.read_at is not None
