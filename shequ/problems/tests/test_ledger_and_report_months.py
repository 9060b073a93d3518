"""The 台账 page: after a month error the box showed this month, not what was typed."""

import pytest
from django.utils import timezone

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_ledger_page_keeps_the_month_typed_after_an_error(world):
    r = client_for(world.secretary_zhang).get("/problems/ledgers/", {"month": "2026-13"})
    body = r.content.decode()
    assert r.status_code == 400 and "月份“2026-13”不存在" in body
    assert 'name="month" value="2026-13"' in body
    this_month = f"{timezone.localdate():%Y-%m}"
    assert f'name="month" value="{this_month}"' not in body
