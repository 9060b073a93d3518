"""Nobody checks their own work (核查). Where the only verifier of the place is the one who
reported the work done (a community with one member of staff left), the 反馈 went to
nobody, and so did the reminders and the 督办 of the problem waiting for its check: it sat
at 已反馈 while the street, which may check it, never heard of it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.access.models import User
from shequ.notifications.models import Notification
from shequ.problems import services
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def test_the_street_hears_of_work_only_its_doer_could_check_in_the_community(world):
    staff = world.users["community_staff@A2"]
    # Given: the community's secretary has left; its one member of staff does the work.
    User.objects.filter(pk=world.users["community_secretary@A2"].pk).update(is_active=False)
    p = report(world, actor=world.users["resident@A2-1-h1"], key="A2-1")
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, staff, p, "start")
    first = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # When: they report it back.
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])

    # Then: the street's admin, who may check it, is told (they cannot check their own).
    told = Notification.objects.filter(id__gt=first, link=f"/problems/{p.pk}/")
    assert told.filter(user=world.street_chen, text__contains="反馈处置结果").exists()
    assert not told.filter(user=staff).exists()
    # And the reminder past its time limit reaches the street too.
    mark = Notification.objects.order_by("-id").values_list("id", flat=True).first()
    services.send_due_reminders(now=timezone.now() + timedelta(days=3))
    late = Notification.objects.filter(id__gt=mark, link=f"/problems/{p.pk}/", text__startswith="已超期")
    assert late.filter(user=world.street_chen).exists()
    assert not late.filter(user=staff).exists()
