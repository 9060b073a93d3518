"""A household's visits are paged on its page: the first visit stays within reach."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.people import services
from shequ.people.models import Visit
from shequ.people.services import VisitInput

pytestmark = pytest.mark.django_db


def test_a_household_visited_every_month_keeps_its_first_visit_in_reach(world):
    # The page listed the newest 10 visits and nothing more: after ten months of monthly
    # visits the first ones could be found only by paging the whole grid's visit list.
    household = world.households["A1-1-h1"]
    today = timezone.localdate()
    for month in range(14, 0, -1):  # oldest first
        services.record_visit(
            world.grid_worker_li,
            household.pk,
            VisitInput(visited_on=today, people_met="户主", situation=f"第{15 - month}次走访，情况良好"),
        )
    # Recorded on the day of each visit, a month apart (the service records today's).
    for age, visit in enumerate(Visit.objects.filter(household=household).order_by("-id")):
        Visit.objects.filter(pk=visit.pk).update(visited_on=today - timedelta(days=30 * age))
    client = Client()
    client.force_login(world.grid_worker_li)
    first = client.get(f"/households/{household.pk}/").content.decode()
    assert "第14次走访" in first and "第1次走访" not in first
    assert "下一页" in first and "共 14 条" in first
    second = client.get(f"/households/{household.pk}/", {"page": 2}).content.decode()
    assert "第1次走访" in second and "第14次走访" not in second
