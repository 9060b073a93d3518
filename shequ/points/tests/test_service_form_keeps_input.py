"""A refused 党员服务积分 keeps the 积分 box as typed (a cleared box was refilled with 5)
and says a 服务类型 error beside its box; the 期初积分 box is marked required."""

import pytest

from shequ.points import selectors
from shequ.points.tests.helpers import fund
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_refused_service_keeps_the_points_as_typed_and_the_kind_error_beside_it(world):
    member = world.residents["A1-1-h2-r2"]
    staff = client_for(world.secretary_zhang)
    form = {"resident": member.pk, "kind": "bogus", "note": "调解邻里纠纷", "points": "", "served_on": ""}
    r = staff.post("/points/service/", form)
    body = r.content.decode()
    assert r.status_code == 400
    box = body[body.index('<input name="points"') :]
    assert 'value=""' in box[: box.index(">")]
    kind = body[body.index('<select name="kind"') :]
    kind = kind[: kind.index("</label>")]
    assert 'class="field-error"' in kind


def test_the_opening_points_box_is_required(world):
    fund(world, world.resident_wang, 10)
    account = selectors.own_account(world.resident_wang)
    assert account is not None
    staff = client_for(world.secretary_zhang)
    body = staff.get(f"/points/accounts/{account.pk}/").content.decode()
    box = body[body.index('<input name="points"') :]
    assert "required" in box[: box.index(">")]
