"""A refused step on a monthly list draws the list page at the address the step was sent
to (/tasks/monthly/<id>/act/). The page's 新建清单 form had no action, so it posted back
to that address: a worker who left the refused row and drew up another month's list got
the row's refusal again and no new list; the pager's "?page=" led to that POST-only
address (405)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.models import MonthlyList
from shequ.testing.clients import client_for
from shequ.testing.pages import forms, link, path

pytestmark = pytest.mark.django_db


def _months_ahead(n: int) -> list[str]:
    first = timezone.localdate().replace(day=1)
    months = []
    for _ in range(n):
        first = (first + timedelta(days=32)).replace(day=1)
        months.append(f"{first:%Y%m}")
    return months


def test_a_new_list_sent_from_a_refused_row_is_drawn_up(world):
    later, next_month = _months_ahead(2)[1], _months_ahead(1)[0]
    empty = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, next_month)
    staff = client_for(world.secretary_zhang)
    page_url = f"/tasks/monthly/{empty.pk}/act/?page=1"
    refused = staff.post(page_url, {"action": "submit", "seen": "1", "note": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "清单里还没有任务" in body
    # Every form that is not a row's own (those carry the row's step) is sent to its own page.
    for target, form in forms(page_url, body):
        if 'name="action"' not in form:
            assert path(target) in ("/tasks/monthly/", "/logout/"), form[:120]
    new_list = next(t for t, f in forms(page_url, body) if 'name="month"' in f)
    assert path(new_list) == "/tasks/monthly/"
    r = staff.post(new_list, {"area": world.areas["A1"].code, "month": later, "publish_on": ""})
    assert r.status_code == 302
    assert MonthlyList.objects.filter(area=world.areas["A1"], month=later).exists()


def test_the_pager_after_a_refused_row_leads_to_the_list_page(world):
    code = world.areas["A1"].code
    made = [services.create_monthly_list(world.secretary_zhang, code, m) for m in _months_ahead(21)]
    staff = client_for(world.secretary_zhang)
    page_url = f"/tasks/monthly/{made[0].pk}/act/"
    refused = staff.post(page_url, {"action": "submit", "seen": "1", "note": ""})
    assert refused.status_code == 400
    nxt = staff.get(link(page_url, refused.content.decode(), "下一页"))
    assert nxt.status_code == 200 and "第 2 / " in nxt.content.decode()


def test_a_step_taken_on_a_filtered_page_comes_back_to_that_filter(world):
    """A secretary looking at 草稿 only who moved a draft's publish day was sent back to
    the first page of every list, and had to pick the filter again after each step."""
    code = world.areas["A1"].code
    made = [services.create_monthly_list(world.secretary_zhang, code, m) for m in _months_ahead(2)]
    staff = client_for(world.secretary_zhang)
    page_url = "/tasks/monthly/?status=draft"
    body = staff.get(page_url).content.decode()
    step = next(t for t, f in forms(page_url, body) if f"/tasks/monthly/{made[0].pk}/act/" in t)
    assert "status=draft" in step
    day = f"{made[0].month[:4]}-{made[0].month[4:]}-03"
    r = staff.post(step, {"action": "publish_on", "publish_on": day})
    assert r.status_code == 302
    assert r["Location"] == "/tasks/monthly/?status=draft"
    # A made-up filter or page is not carried back.
    r = staff.post(
        f"/tasks/monthly/{made[1].pk}/act/?status=nonsense&page=x",
        {"action": "publish_on", "publish_on": day},
    )
    assert r.status_code == 302 and r["Location"] == "/tasks/monthly/"
