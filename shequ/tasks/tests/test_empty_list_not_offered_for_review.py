"""A secretary who has just drawn up next month's list saw 报街道审批 on its row while
it held no task; tapping it only answered “清单里还没有任务”. The row now says so
beside a button that is off, and offers 添加任务; with a task in it the button is on."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _next_month_list(world):
    first = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    return services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, f"{first:%Y%m}")


def _row(page: str, list_id: int) -> str:
    return next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if f'monthly_list={list_id}"' in r)


def _submit_button(row: str) -> str:
    form = next(f for f in re.findall(r"<form\b.*?</form>", row, re.S) if 'value="submit"' in f)
    button = re.search(r"<button\b[^>]*>", form)
    assert button is not None
    return button.group(0)


def test_an_empty_lists_review_button_is_off_and_says_why(world):
    monthly = _next_month_list(world)
    page = client_for(world.secretary_zhang).get("/tasks/monthly/").content.decode()
    row = _row(page, monthly.pk)
    assert "disabled" in _submit_button(row)
    assert "清单里还没有任务" in row


def test_a_list_with_a_task_can_be_sent_for_review(world):
    monthly = _next_month_list(world)
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60))
    page = client_for(world.secretary_zhang).get("/tasks/monthly/").content.decode()
    row = _row(page, monthly.pk)
    assert "disabled" not in _submit_button(row)
    assert "清单里还没有任务" not in row
