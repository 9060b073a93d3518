"""A targeted task, once published (by hand or with its monthly list), is told to the
members of its partner units and to the team members who have a login."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.models import MonthlyList
from shequ.tasks.tests.helpers import make_task, unit_with_member

pytestmark = pytest.mark.django_db


def told(user, task):
    return Notification.objects.filter(user=user, link=f"/tasks/{task.pk}/").exists()


def test_publishing_a_targeted_task_tells_its_units_and_teams(world):
    unit, partner = unit_with_member(world)
    team = services.add_team(world.secretary_zhang, "志愿服务队", "volunteer", world.areas["A1"].code)
    services.add_team_member(world.secretary_zhang, team.pk, world.resident_wang.resident_id)
    task = make_task(
        world,
        key="A1",
        title="小区绿化带修剪",
        category="greening",
        audience="targeted",
        target_units=[unit.pk],
        target_teams=[team.pk],
        publish=False,
    )
    assert not told(partner, task)
    services.transition_task(world.secretary_zhang, task.pk, "publish")
    assert told(partner, task) and told(world.resident_wang, task)
    assert not told(world.users["resident@A1-1-h2"], task)  # not in the team
    public = make_task(world, title="公开任务")
    assert not Notification.objects.filter(link=f"/tasks/{public.pk}/").exists()


def test_a_monthly_lists_targeted_task_is_told_when_the_list_is_published(world):
    unit, partner = unit_with_member(world)
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, f"{first:%Y%m}")
    task = make_task(
        world,
        key="A1",
        title="配电设备月检",
        category="power_maintenance",
        audience="targeted",
        target_units=[unit.pk],
        monthly_list=monthly.pk,
        deadline=timezone.now() + timedelta(days=60),
        publish=False,
    )
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    assert not told(partner, task)
    MonthlyList.objects.filter(pk=monthly.pk).update(publish_on=today)
    assert services.publish_due_lists() >= 1
    assert told(partner, task)
