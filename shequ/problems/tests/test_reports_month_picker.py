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
