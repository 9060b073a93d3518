"""The 台账 page and its export: a month that does not exist or has not come yet is named
with a 400 (as the monthly report refuses a month to come), and what was typed stays in
the box."""

import pytest
from django.utils import timezone

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def next_month() -> str:
    today = timezone.localdate()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year}-{month:02d}"


def test_the_ledger_page_keeps_the_month_typed_after_an_error(world):
    r = client_for(world.secretary_zhang).get("/problems/ledgers/", {"month": "2026-13"})
    body = r.content.decode()
    assert r.status_code == 400 and "月份“2026-13”不存在" in body
    assert 'name="month" value="2026-13"' in body
    this_month = f"{timezone.localdate():%Y-%m}"
    assert f'name="month" value="{this_month}"' not in body


def test_the_ledgers_refuse_a_month_not_come_yet_as_the_monthly_report_does(world):
    later = next_month()
    c = client_for(world.secretary_zhang)
    r = c.get("/problems/ledgers/", {"month": later})
    body = r.content.decode()
    assert r.status_code == 400
    assert f"{int(later[:4])}年{int(later[5:])}月还没到" in body
    assert f'name="month" value="{later}"' in body
    export = c.get("/problems/ledgers/export/", {"month": later})
    assert export.status_code == 400 and "还没到" in export.content.decode()
    this_month = f"{timezone.localdate():%Y-%m}"
    assert c.get("/problems/ledgers/", {"month": this_month}).status_code == 200
    assert c.get("/problems/ledgers/export/", {"month": this_month}).status_code == 200
