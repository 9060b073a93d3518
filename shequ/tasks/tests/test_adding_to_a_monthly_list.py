"""A secretary drawing up next month's list opens its tasks (“0 个任务”) and taps 发布任务,
or 添加任务 on the list's row. The editor came up with “不加入（临时任务）” and “保存后立即
发布” ticked: a task saved without picking the list again from the menu went out to
residents at once, before the street had approved anything. The editor now opens with
the list chosen."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.models import MonthlyList
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _next_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{(first + timedelta(days=32)).replace(day=1):%Y%m}"


def _href(body: str, text: str) -> str:
    found = re.search(r"<a\b[^>]*\bhref=\"([^\"]*)\"[^>]*>" + re.escape(text) + "</a>", body)
    assert found is not None, text
    return unescape(found.group(1))


def _chosen_list(body: str) -> str:
    menu = re.search(r"<select name=\"monthly_list\">(.*?)</select>", body, re.S)
    assert menu is not None
    chosen = re.search(r"<option value=\"(\d*)\" selected>", menu.group(1))
    return chosen.group(1) if chosen else ""


def test_the_editor_opened_from_a_lists_tasks_has_the_list_chosen(world):
    drawn = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, _next_month())
    staff = client_for(world.secretary_zhang)
    board = staff.get(f"/tasks/?monthly_list={drawn.pk}")
    assert board.status_code == 200
    editor = staff.get(_href(board.content.decode(), "发布任务"))
    assert editor.status_code == 200
    assert _chosen_list(editor.content.decode()) == str(drawn.pk)


def test_a_draft_lists_row_leads_to_the_editor_with_the_list_chosen(world):
    drawn = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, _next_month())
    staff = client_for(world.secretary_zhang)
    page = staff.get("/tasks/monthly/?status=draft").content.decode()
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if f'monthly_list={drawn.pk}"' in r)
    editor = staff.get(_href(row, "添加任务"))
    assert _chosen_list(editor.content.decode()) == str(drawn.pk)


def test_a_list_the_worker_may_not_fill_is_not_chosen(world):
    drawn = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, _next_month())
    MonthlyList.objects.filter(pk=drawn.pk).update(status="submitted")  # 已报审: no more tasks
    editor = client_for(world.secretary_zhang).get(f"/tasks/new/?monthly_list={drawn.pk}")
    assert editor.status_code == 200
    assert _chosen_list(editor.content.decode()) == ""
