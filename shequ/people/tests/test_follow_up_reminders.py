"""A 回访日期 was kept on the visit and shown on its page, but nobody was reminded when it
came: the follow-up the worker promised the household depended on their memory."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.people import services
from shequ.people.services import VisitInput

pytestmark = pytest.mark.django_db


def _visit(world, household_key, visited_on, follow_up_on=None, actor=None):
    data = VisitInput(
        visited_on=visited_on, people_met="户主", situation="老人独居，腿脚不便", follow_up_on=follow_up_on
    )
    return services.record_visit(actor or world.grid_worker_li, world.households[household_key].pk, data)


def _told(user, visit):
    return Notification.objects.filter(user=user, link=f"/visits/{visit.pk}/", text__startswith="回访提醒")


def test_the_visitor_is_told_once_when_the_follow_up_day_comes(world):
    today = timezone.localdate()
    li = world.grid_worker_li
    due = _visit(world, "A1-1-h1", today - timedelta(days=10), follow_up_on=today)
    later = _visit(world, "A1-1-h2", today - timedelta(days=10), follow_up_on=today + timedelta(days=3))
    services.send_follow_up_reminders(today)
    services.send_follow_up_reminders(today)  # the job runs every hour: still once
    assert _told(li, due).count() == 1 and not _told(li, later).exists()
    text = _told(li, due).get().text
    assert str(world.households["A1-1-h1"]) in text and f"{today.month}月{today.day}日回访" in text
    # Its day comes three days on.
    services.send_follow_up_reminders(today + timedelta(days=3))
    assert _told(li, later).count() == 1


def test_a_household_visited_again_or_a_long_past_day_is_not_reminded(world):
    today = timezone.localdate()
    li = world.grid_worker_li
    done = _visit(world, "A1-1-h1", today - timedelta(days=20), follow_up_on=today - timedelta(days=1))
    _visit(world, "A1-1-h1", today - timedelta(days=2))  # the follow-up was made
    old = _visit(world, "A1-1-h2", today - timedelta(days=60), follow_up_on=today - timedelta(days=30))
    services.send_follow_up_reminders(today)
    assert not _told(li, done).exists() and not _told(li, old).exists()


def test_a_visitor_who_no_longer_works_there_leaves_it_to_the_grids_workers(world):
    from shequ.access.services import add_user

    today = timezone.localdate()
    li = world.grid_worker_li
    other = add_user(
        "follow_up_stand_in", "Stand-in-pass-2026", role="grid_worker", area_code=world.areas["A1-1"].code
    )
    due = _visit(world, "A1-1-h1", today - timedelta(days=5), follow_up_on=today)
    li.is_active = False
    li.save(update_fields=["is_active"])
    try:
        services.send_follow_up_reminders(today)
        assert not _told(li, due).exists() and _told(other, due).count() == 1
    finally:
        li.is_active = True
        li.save(update_fields=["is_active"])


def test_opening_the_visit_marks_its_reminder_read(world):
    from django.test import Client

    today = timezone.localdate()
    li = world.grid_worker_li
    due = _visit(world, "A1-1-h1", today - timedelta(days=10), follow_up_on=today)
    services.send_follow_up_reminders(today)
    client = Client()
    client.force_login(li)
    assert client.get(f"/visits/{due.pk}/").status_code == 200
    assert _told(li, due).get().read_at is not None
