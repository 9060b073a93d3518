"""督办 of a problem reported back goes to who may check it: the community staff member who
did the work and reported it back was urged to 核查 their own work, which the rule
forbids them (the reminders already leave them out)."""

import pytest

from shequ.notifications.models import Notification
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def test_the_one_who_reported_back_is_not_urged_to_check_it(world):
    staff = world.users["community_staff@A1"]
    p = report(world)  # 管道堵塞: community staff answer for it
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.street_chen, p, "urge", note="请尽快核查")
    urged = Notification.objects.filter(link=f"/problems/{p.pk}/", text__contains="督办")
    told = set(urged.values_list("user", flat=True))
    assert world.secretary_zhang.pk in told and staff.pk not in told
