"""The reports page's 各社区报送情况 month picker named a month that does not exist but
answered 200, unlike every other month picker."""

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_submissions_month_picker_answers_400_for_a_month_that_does_not_exist(world):
    r = client_for(world.street_chen).get("/problems/reports/", {"month": "2026-13"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "月份“2026-13”不存在" in body and 'value="2026-13"' in body
    assert client_for(world.street_chen).get("/problems/reports/", {"month": "2026-10"}).status_code == 200


def test_a_month_not_come_yet_is_named_not_shown_as_everyone_unsent(world):
    """Next month listed every community as 未报送, though none could have reported yet."""
    from datetime import timedelta

    from django.utils import timezone

    later = (timezone.localdate().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    r = client_for(world.street_chen).get("/problems/reports/", {"month": later})
    body = r.content.decode()
    assert r.status_code == 400
    assert "还没到" in body and f'value="{later}"' in body
