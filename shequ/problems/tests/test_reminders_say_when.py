"""A due reminder says when the problem is due: "即将到期：管道堵塞（…）" left the grid worker
to open each problem to learn whether it was due in an hour or in a day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.problems.services import send_due_reminders
from shequ.problems.tests.helpers import act, report

pytestmark = pytest.mark.django_db


def test_the_reminders_name_the_time_limit(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    due = f"{timezone.localtime(p.due_at):%Y年%m月%d日 %H:%M}"
    mine = Notification.objects.filter(user=world.grid_worker_li, link=f"/problems/{p.pk}/")
    send_due_reminders(now=p.due_at - timedelta(hours=2))
    soon = mine.get(text__startswith="即将到期").text
    assert f"办理时限 {due}" in soon and p.number in soon
    send_due_reminders(now=p.due_at + timedelta(minutes=1))
    overdue = mine.get(text__startswith="已超期").text
    assert f"办理时限 {due}" in overdue and p.number in overdue
