"""A problem that went past its time limit while its work waited for 核查 was called
overdue to the verifiers only (the reminder is sent once). Sent back for 返工, it is the
handler's again, and the reminders start over for them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.problems import services
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def test_work_sent_back_past_its_time_limit_is_called_overdue_to_its_handler(world):
    p = report(world)
    staff = world.secretary_zhang
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    worker = world.grid_worker_li
    act(world, worker, p, "start")
    act(world, worker, p, "report_back", note="已疏通", photos=[jpeg()])
    later = timezone.now() + timedelta(days=30)  # past every class's limit
    services.send_due_reminders(now=later)
    overdue = Notification.objects.filter(link=f"/problems/{p.pk}/", text__startswith="已超期")
    assert overdue.exists()  # to the verifiers

    act(world, staff, p, "verify_fail", note="还是堵的")
    p.refresh_from_db()
    handler = p.assignee  # whom the problem was dispatched to
    assert handler is not None
    before = overdue.filter(user=handler).count()
    services.send_due_reminders(now=later)
    assert overdue.filter(user=handler).count() == before + 1
    services.send_due_reminders(now=later)  # once, not on every run
    assert overdue.filter(user=handler).count() == before + 1
