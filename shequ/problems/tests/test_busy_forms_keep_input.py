"""The category catalogue and the monthly report's form, sent while SQLite stayed locked
past its wait (a long import holding the write lock), answered with the bare error page:
the category typed was gone, and the 月报 form forgot the community and month chosen."""

import pytest
from django.db import OperationalError

from shequ.problems import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _busy(*args, **kwargs):
    raise OperationalError("database is locked")


def test_a_busy_database_brings_the_category_form_back_with_what_was_typed(world, monkeypatch):
    monkeypatch.setattr(services, "save_category", _busy)
    new = {
        "code": "street_lamp",
        "name": "路灯不亮（夜间）",
        "handling_level": "community",
        "ledger_type": "livelihood",
        "deadline_class": "utilities",
        "responsible_role": "community_staff",
        "sort": "15",
    }
    r = client_for(world.street_chen).post("/problems/categories/", new)
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body
    assert 'value="street_lamp"' in body and 'value="路灯不亮（夜间）"' in body


def test_another_database_error_is_not_taken_for_busy(world, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: problems_problemcategory")

    monkeypatch.setattr(services, "save_category", broken)
    c = client_for(world.street_chen)
    c.raise_request_exception = True
    with pytest.raises(OperationalError):
        c.post("/problems/categories/", {"code": "street_lamp", "name": "路灯不亮"})


def test_a_busy_database_keeps_the_monthly_report_choice(world, monkeypatch):
    monkeypatch.setattr(services, "request_monthly_report", _busy)
    community = world.areas["A1"]
    r = client_for(world.secretary_zhang).post(
        "/problems/reports/", {"area": community.code, "month": "2026-10"}
    )
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body
    assert 'value="2026-10"' in body
    assert f'value="{community.code}" selected' in body
