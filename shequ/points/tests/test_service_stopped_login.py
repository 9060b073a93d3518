"""A party member whose login was stopped (停用) is still offered on the 服务积分 page, and
recording their service was refused with "请选择您管辖范围内的一名党员", as if staff had
picked someone outside their community or no party member at all. The refusal now says
why, on the member's field."""

import pytest

from shequ.access.services import deactivate_user
from shequ.points.models import ServiceRecord
from shequ.points.tests.helpers import party_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_recording_for_a_member_whose_login_is_stopped_says_so(world):
    login = party_member(world)
    deactivate_user(login, actor=world.secretary_zhang)
    member = world.residents["A1-1-h2-r2"]
    staff = client_for(world.secretary_zhang)
    assert f'<option value="{member.pk}"' in staff.get("/points/service/").content.decode()
    form = {"resident": member.pk, "kind": "errand", "note": "代办医保", "points": "5", "served_on": ""}
    r = staff.post("/points/service/", form)
    body = r.content.decode()
    assert r.status_code == 400 and "账号已停用" in body
    assert "请选择您管辖范围内的一名党员" not in body
    assert not ServiceRecord.objects.filter(member=login).exists()


def test_a_member_out_of_scope_is_still_told_one_message(world):
    login = party_member(world)
    deactivate_user(login, actor=world.secretary_zhang)
    member = world.residents["A1-1-h2-r2"]
    form = {"resident": member.pk, "kind": "errand", "note": "代办医保", "points": "5", "served_on": ""}
    body = client_for(world.outsider_zhao).post("/points/service/", form).content.decode()
    assert "请选择您管辖范围内的一名党员" in body and "停用" not in body
