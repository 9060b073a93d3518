"""The agenda listed the items the meeting took up oldest first and stopped at 200: after
a year of meetings the page showed only the first ones discussed, and the latest meeting's
items were not on it. Waiting items come first, then the discussed ones, newest first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.problems import selectors, services, views
from shequ.problems.models import AgendaItem
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def listed(world, description):
    p = report(world, category="property_management", description=description)
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")  # street level: on the agenda
    return AgendaItem.objects.get(problem=p)


def test_waiting_items_first_then_the_latest_discussed(world, monkeypatch):
    street = world.street_chen
    old, new, waiting = (listed(world, f"物业长期不清理楼道杂物{i}") for i in range(3))
    now = timezone.now()
    for item, days_ago in ((old, 3650), (new, 1)):
        monkeypatch.setattr(timezone, "now", lambda d=days_ago: now - timedelta(days=d))
        services.mark_discussed(street, item.pk)
    monkeypatch.undo()
    order = [i.pk for i in selectors.agenda_items(street)]
    assert order.index(waiting.pk) < order.index(new.pk) < order.index(old.pk)
    # The page stops at its limit: what drops off is the oldest meeting's item.
    assert order[-1] == old.pk
    monkeypatch.setattr(views, "AGENDA_LIMIT", len(order) - 1, raising=False)
    page = client_for(street).get("/problems/agenda/").content.decode()
    assert page.index(waiting.problem.number) < page.index(new.problem.number)
    assert old.problem.number not in page
