"""An item the meeting took up in an earlier year read "已于12月3日讨论" on the agenda, as
if this December's meeting (not come yet) had discussed it; 列入时间 beside it named the
year. The day it was discussed names the year too when it is not this year's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.problems import services
from shequ.problems.models import AgendaItem
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_an_item_discussed_last_year_names_the_year(world, monkeypatch):
    p = report(world, category="property_management", description="楼道堆放杂物多年无人清理")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")  # street level: on the agenda
    item = AgendaItem.objects.get(problem=p)
    now = timezone.now()
    then = now - timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: then)
    services.mark_discussed(world.street_chen, item.pk)
    monkeypatch.undo()
    page = client_for(world.street_chen).get("/problems/agenda/").content.decode()
    row = page[page.index(p.number) :]
    row = row[: row.index("</tr>")]
    local = timezone.localtime(then)
    assert f"已于{local.year}年{local.month}月{local.day}日讨论" in row


def test_an_item_discussed_this_year_names_month_and_day(world):
    p = report(world, category="property_management", description="小区路灯坏了很久没人修")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    item = AgendaItem.objects.get(problem=p)
    services.mark_discussed(world.street_chen, item.pk)
    page = client_for(world.street_chen).get("/problems/agenda/").content.decode()
    row = page[page.index(p.number) :]
    row = row[: row.index("</tr>")]
    local = timezone.localtime(timezone.now())
    assert f"已于{local.month}月{local.day}日讨论" in row
