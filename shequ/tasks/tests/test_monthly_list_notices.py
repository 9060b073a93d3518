"""The street's decisions on a monthly list reach the community: approval, return (with
the reason) and publication are told to the list's creator and the community's task
managers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task

pytestmark = pytest.mark.django_db


def _texts(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True))


def test_approve_return_and_publish_are_told_to_the_community(world):
    today = timezone.localdate()
    monthly = services.create_monthly_list(
        world.secretary_zhang,
        world.areas["A1"].code,
        f"{today + timedelta(days=1):%Y%m}",
        publish_on=today + timedelta(days=1),
    )
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=10))
    staff = world.users["community_staff@A1"]
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", "第2项任务名额太多")
    for user in (world.secretary_zhang, staff):
        assert any("退回" in t and "第2项任务名额太多" in t for t in _texts(user)), user
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    for user in (world.secretary_zhang, staff):
        assert any("审批通过" in t for t in _texts(user)), user
    assert services.publish_due_lists(today + timedelta(days=1)) == 1
    for user in (world.secretary_zhang, staff):
        assert any("已发布" in t for t in _texts(user)), user
    assert not any("退回" in t for t in _texts(world.users["community_staff@B1"]))
