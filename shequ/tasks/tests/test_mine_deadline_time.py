"""我的任务 gave a claim's deadline as a day alone ("截止 12月2日"): a task due at 18:00 read
as due at the day's end, and one of another year read as this year's. It is written as the
board writes it, with the time, and with the year when not this year's."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def test_my_tasks_give_the_deadlines_time(world, monkeypatch):
    now = datetime(2026, 12, 2, 10, 0, tzinfo=BJ)
    monkeypatch.setattr(timezone, "now", lambda: now)
    today = make_task(world, deadline=now + timedelta(hours=8))
    next_year = make_task(world, title="辅导学生功课", deadline=datetime(2027, 1, 5, 17, 30, tzinfo=BJ))
    wang = world.resident_wang
    services.claim_task(wang, today.pk)
    services.claim_task(wang, next_year.pk)
    body = client_for(wang).get("/tasks/mine/").content.decode()
    assert "截止 12月2日 18:00" in body
    assert "截止 2027年1月5日 17:30" in body
