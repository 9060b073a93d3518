"""The ledger page of an earlier month said 本月这一类台账没有记录 (this month has none),
and wrote January as 2026年01月."""

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_an_empty_ledger_names_the_month_it_is_of(world):
    body = client_for(world.secretary_zhang).get("/problems/ledgers/", {"month": "2026-01"}).content.decode()
    assert "2026年1月这一类台账没有记录" in body and "本月这一类台账" not in body
    assert "2026年01月" not in body
