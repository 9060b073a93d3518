"""A deadline given as a day alone (截止 12月2日: an API client sending "2026-12-02", a
phone whose browser shows the editor's date-and-time box as plain text) is the end of
that day, local time: it was read as its first minute, so the task left the board the
night before, and a task due "today" was refused as already past."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.tasks.models import Task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def fields(world, deadline, title="更换楼道灯泡"):
    return {
        "title": title,
        "description": "3单元2楼楼道灯泡坏了，需要更换",
        "category": "replace_bulb",
        "difficulty": "easy",
        "places": 2,
        "deadline": deadline,
        "area": world.areas["A1-1"].code,
        "audience": "public",
    }


@pytest.fixture
def morning(monkeypatch):
    moment = datetime(2026, 12, 2, 10, 0, tzinfo=BJ)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


def test_a_day_typed_on_the_editor_is_the_end_of_that_day(world, morning):
    response = client_for(world.secretary_zhang).post("/tasks/new/", fields(world, "2026-12-02"))
    assert response.status_code == 302, response.content.decode()
    task = Task.objects.get(pk=int(response["Location"].strip("/").rsplit("/", 1)[1]))
    assert timezone.localtime(task.deadline) == datetime(2026, 12, 2, 23, 59, 59, tzinfo=BJ)


def test_a_day_sent_to_the_api_is_the_end_of_that_day(world, morning):
    client = client_for(world.secretary_zhang)
    made = client.post("/api/v1/tasks/", fields(world, "2026-12-02"), content_type="application/json")
    assert made.status_code == 201, made.json()
    task = Task.objects.get(pk=made.json()["id"])
    assert timezone.localtime(task.deadline) == datetime(2026, 12, 2, 23, 59, 59, tzinfo=BJ)
    # A time given is kept as given.
    later = fields(world, "2026-12-03T18:00", title="清理小广告")
    timed = client.post("/api/v1/tasks/", later, content_type="application/json")
    assert timed.status_code == 201, timed.json()
    task = Task.objects.get(pk=timed.json()["id"])
    assert timezone.localtime(task.deadline) == datetime(2026, 12, 3, 18, 0, tzinfo=BJ)


@pytest.mark.parametrize("deadline", [1796000000, "1796000000", 1796000000.5, "soon"])
def test_a_number_sent_as_the_deadline_is_named_as_no_date(world, morning, deadline):
    """Pydantic read a number (or a string of digits) as seconds since 1970: the refusal
    said the deadline must be later than now, not that it was no date."""
    r = client_for(world.secretary_zhang).post(
        "/api/v1/tasks/", fields(world, deadline), content_type="application/json"
    )
    assert r.status_code == 422, r.content
    assert "必须是日期和时间" in r.json()["fields"]["deadline"]
