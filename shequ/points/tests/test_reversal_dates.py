"""A reversal counts in the quarter of what it reverses, so its entries carry that date;
the pages listed it there, pages down, with nothing to explain the lower balance. It is
now shown with the day it was made (and the date it counts under), and 我的积分 names the
recent ones at the top."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.points import services
from shequ.points.models import Account
from shequ.points.tests.helpers import fund
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_a_reversal_shows_the_day_it_was_made_and_is_named_up_top(world, monkeypatch):
    clock = {"now": datetime(2030, 3, 31, 20, 0, tzinfo=SH)}

    def now():
        clock["now"] += timedelta(microseconds=1)
        return clock["now"]

    monkeypatch.setattr(timezone, "now", now)
    opening = fund(world, world.resident_wang, 20)
    clock["now"] = datetime(2030, 5, 20, 9, 0, tzinfo=SH)
    services.reverse(world.secretary_zhang, opening.pk, "重复登记")
    c = client_for(world.resident_wang)
    page = c.get("/points/").content.decode()
    top = page.split("<h2>积分明细</h2>")[0]
    assert "最近的冲正" in top and "5月20日" in top and "-20 分" in top
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    row = next(r for r in table.split("<tr>") if "冲正 ·" in r)
    assert "2030年5月20日" in row and "计入2030年3月31日" in row
    account = Account.objects.get(user=world.resident_wang)
    staff = client_for(world.secretary_zhang).get(f"/points/accounts/{account.pk}/").content.decode()
    assert "2030年5月20日" in staff and "计入2030年3月31日" in staff
