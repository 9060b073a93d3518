"""A monthly list is the routine tasks of its month: it may go out before its month
begins, never after it has ended (docs/tasks.md). A list of October left in draft (or
returned by the street) could still be submitted and approved in November, and was then
published at once as October's list, its tasks opened a month late. Submitting and
approving it are refused once its month is over, naming the month."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import ListStatus, MonthlyList
from shequ.tasks.tests.helpers import make_task, task_input

pytestmark = pytest.mark.django_db
TZ = ZoneInfo(settings.TIME_ZONE)


def _at(monkeypatch, year, month, day, hour):
    start = datetime(year, month, day, hour, tzinfo=TZ)
    ticks = itertools.count()
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=next(ticks)))


def _october_list(world, monkeypatch):
    _at(monkeypatch, 2030, 10, 10, 9)
    found = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, "203010", publish_on=datetime(2030, 10, 20).date()
    )
    make_task(world, publish=False, monthly_list=found.pk, deadline=datetime(2030, 11, 30, 18, tzinfo=TZ))
    return found


def test_a_list_whose_month_is_over_is_not_submitted(world, monkeypatch):
    found = _october_list(world, monkeypatch)
    _at(monkeypatch, 2030, 11, 3, 9)
    with pytest.raises(ValidationFailed) as refused:
        services.transition_list(world.secretary_zhang, found.pk, "submit")
    assert "2030年10月已经过去" in refused.value.fields["month"]
    assert MonthlyList.objects.get(pk=found.pk).status == ListStatus.DRAFT


def test_a_list_whose_month_ended_while_under_review_is_not_approved(world, monkeypatch):
    found = _october_list(world, monkeypatch)
    _at(monkeypatch, 2030, 10, 25, 9)
    services.transition_list(world.secretary_zhang, found.pk, "submit")
    _at(monkeypatch, 2030, 11, 3, 9)
    with pytest.raises(ValidationFailed) as refused:
        services.transition_list(world.street_chen, found.pk, "approve")
    assert "2030年10月已经过去" in refused.value.fields["month"]
    # The street can still send it back, so the community can move its tasks.
    services.transition_list(world.street_chen, found.pk, "return", "月份已过，请改为本月清单")
    assert MonthlyList.objects.get(pk=found.pk).status == ListStatus.DRAFT


def test_within_its_month_a_list_is_submitted_and_approved_as_before(world, monkeypatch):
    found = _october_list(world, monkeypatch)
    _at(monkeypatch, 2030, 10, 31, 20)
    services.transition_list(world.secretary_zhang, found.pk, "submit")
    assert services.transition_list(world.street_chen, found.pk, "approve").status == ListStatus.PUBLISHED


def test_the_list_page_offers_no_step_it_would_refuse_and_says_why(world, monkeypatch):
    from shequ.testing.clients import client_for

    found = _october_list(world, monkeypatch)
    _at(monkeypatch, 2030, 11, 3, 9)
    page = client_for(world.secretary_zhang).get("/tasks/monthly/").content.decode()
    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert found.area.name in rows
    assert 'value="submit"' not in rows and "2030年10月已经过去" in rows


def test_no_task_is_added_to_a_list_whose_month_is_over(world, monkeypatch):
    from shequ.tasks.models import Task
    from shequ.testing.clients import client_for

    found = _october_list(world, monkeypatch)
    listed = Task.objects.get(monthly_list=found)
    _at(monkeypatch, 2030, 11, 3, 9)
    with pytest.raises(ValidationFailed) as refused:
        make_task(world, publish=False, monthly_list=found.pk, deadline=datetime(2030, 11, 30, 18, tzinfo=TZ))
    assert "2030年10月已经过去" in refused.value.fields["monthly_list"]
    # The editor does not offer it for a new task; a task already in it may still be edited
    # (to move it out, or to this month's list).
    editor = client_for(world.secretary_zhang).get("/tasks/new/").content.decode()
    assert f'<option value="{found.pk}"' not in editor
    data = task_input(listed, title="新标题")
    assert services.update_task(world.secretary_zhang, listed.pk, data).title == "新标题"
