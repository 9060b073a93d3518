"""Months and days as users read them: a monthly list is 2026年12月, not 202612; a
service recorded for last year says its year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.core.numbers import month_label
from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_month_label():
    assert [month_label(m) for m in ("202612", "202601", "202613", "")] == [
        "2026年12月",
        "2026年1月",
        "202613",
        "",
    ]


def test_a_monthly_lists_month_is_written_as_a_chinese_date(world):
    today = timezone.localdate()
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, f"{nxt:%Y%m}")
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=50))
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    text = (
        Notification.objects.filter(user=world.street_chen).order_by("-id").values_list("text", flat=True)[0]
    )
    assert f"{nxt.year}年{nxt.month}月月度任务清单待审批" in text and f"{nxt:%Y%m}" not in text
    page = client_for(world.secretary_zhang).get("/tasks/monthly/").content.decode()
    assert f"<td>{nxt.year}年{nxt.month}月</td>" in page


def test_a_service_of_last_year_is_listed_with_its_year(world):
    from shequ.people.models import Resident
    from shequ.points import services as points

    resident = world.residents["A1-1-h2-r2"]
    Resident.objects.filter(pk=resident.pk).update(party_member_kind="no_post")
    today = timezone.localdate()
    last_year = today.replace(year=today.year - 1, day=min(today.day, 28))
    for served in (today, last_year):
        points.record_service(
            world.secretary_zhang,
            points.ServiceInput(
                member=0, resident=resident.pk, kind="errand", note="代办", points=2, served_on=served
            ),
        )
    page = client_for(world.secretary_zhang).get("/points/service/").content.decode()
    assert f"<td>{last_year.year}年{last_year.month}月{last_year.day}日</td>" in page
    assert f"<td>{today.month}月{today.day}日</td>" in page
