"""A step taken while the database stayed busy past its wait is not saved: the report form
came back with everything typed, but a step's page answered with a bare error page, and
the reason a resident had written for 重新打开 (or staff for 返工) was gone."""

import pytest
from django.db import OperationalError

from shequ.problems import services
from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_busy_database_brings_the_problem_page_back_with_the_note(world, monkeypatch):
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_pass")

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "transition", busy)
    note = "下水道又堵了，楼道里全是污水，昨天刚疏通过"
    r = client_for(world.resident_wang).post(f"/problems/{p.pk}/act/", {"action": "reopen", "note": note})
    body = r.content.decode()
    assert r.status_code == 503
    assert "系统繁忙，刚才的内容没有保存" in body and note in body and "重新打开" in body
