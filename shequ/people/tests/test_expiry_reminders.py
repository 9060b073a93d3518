"""The floating lists showed permits (居住证) and leases (租期) ending within 30 days, but
only to a worker who opened them: a permit ran out, or a tenant's lease ended and they
left, and nobody had been told. Those ending within a week are now told to whoever
manages the floating population there, once per resident and date."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.people import services
from shequ.people.services import FloatingInput
from shequ.people.tests.helpers import grid_floating

pytestmark = pytest.mark.django_db


def _told(user, resident, prefix):
    return Notification.objects.filter(user=user, link=f"/residents/{resident.pk}/", text__startswith=prefix)


def test_a_permit_or_lease_ending_within_a_week_is_told_once(world):
    today = timezone.localdate()
    li = world.grid_worker_li
    permit, lease, later, gone, *_ = grid_floating(world)
    soon = today + timedelta(days=3)
    services.set_floating(li, permit.pk, FloatingInput(permit_expires=soon))
    year_ago = today - timedelta(days=300)
    services.set_floating(li, lease.pk, FloatingInput(lease_start=year_ago, lease_end=today))
    services.set_floating(li, later.pk, FloatingInput(permit_expires=today + timedelta(days=20)))
    services.set_floating(li, gone.pk, FloatingInput(permit_expires=soon, left_on=today))
    services.send_expiry_reminders(today)
    services.send_expiry_reminders(today)  # the job runs every hour: still once
    permit_notice = _told(li, permit, "居住证到期提醒").get()
    assert permit.name in permit_notice.text and f"{soon.month}月{soon.day}日到期" in permit_notice.text
    assert _told(li, lease, "租期到期提醒").count() == 1
    # Not yet within the week; one who has left is not told of.
    assert not _told(li, later, "居住证到期提醒").exists()
    assert not _told(li, gone, "居住证到期提醒").exists()
    # The other grid's worker hears nothing of this grid's residents.
    other = world.users["grid_worker@A1-2"]
    assert not Notification.objects.filter(user=other, link=f"/residents/{permit.pk}/").exists()
    # Its week comes: told then. A permit renewed to a new date is told again when that comes.
    services.send_expiry_reminders(today + timedelta(days=14))
    assert _told(li, later, "居住证到期提醒").count() == 1
    renewed = today + timedelta(days=365)
    services.set_floating(li, permit.pk, FloatingInput(permit_expires=renewed))
    services.send_expiry_reminders(renewed - timedelta(days=1))
    assert _told(li, permit, "居住证到期提醒").count() == 2


def test_opening_the_resident_marks_the_notice_read(world):
    today = timezone.localdate()
    li = world.grid_worker_li
    resident = grid_floating(world)[0]
    services.set_floating(li, resident.pk, FloatingInput(permit_expires=today + timedelta(days=1)))
    services.send_expiry_reminders(today)
    notice = _told(li, resident, "居住证到期提醒").get()
    client = Client()
    client.force_login(li)
    assert client.get(f"/residents/{resident.pk}/").status_code == 200
    notice.refresh_from_db()
    assert notice.read_at is not None
