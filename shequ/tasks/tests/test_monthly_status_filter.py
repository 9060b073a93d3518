"""The street lists only the monthly lists waiting for its approval (待街道审批), on the
page and in the API alike, instead of scanning every community's lists."""

from datetime import date

import pytest
from django.test import Client

from shequ.tasks.models import ListStatus, MonthlyList

pytestmark = pytest.mark.django_db


def _list(world, code, month, status):
    area = world.areas[code]
    return MonthlyList.objects.create(
        area=area,
        area_path=area.path,
        month=month,
        publish_on=date(int(month[:4]), int(month[4:]), 1),
        status=status,
        created_by=world.secretary_zhang,
    )


def test_the_street_filters_the_lists_waiting_for_approval(world):
    waiting = _list(world, "A1", "209901", ListStatus.SUBMITTED)
    drafting = _list(world, "A1", "209902", ListStatus.DRAFT)
    street = Client()
    street.force_login(world.street_chen)

    api = street.get("/api/v1/monthly-lists/?status=submitted")
    assert api.status_code == 200
    ids = {m["id"] for m in api.json()["items"]}
    assert waiting.pk in ids and drafting.pk not in ids
    assert all(m["status"] == "submitted" for m in api.json()["items"])
    refused = street.get("/api/v1/monthly-lists/?status=nonsense")
    assert refused.status_code == 400 and "nonsense" in refused.content.decode()

    page = street.get("/tasks/monthly/?status=submitted")
    assert page.status_code == 200
    shown = {m.pk for m, _ in page.context["rows"]}
    assert waiting.pk in shown and drafting.pk not in shown
    assert "<b>待街道审批</b>" in page.content.decode()
    assert 'href="/tasks/monthly/?status=submitted"' in street.get("/tasks/monthly/").content.decode()
    wrong = street.get("/tasks/monthly/?status=nonsense")
    assert wrong.status_code == 400 and "状态" in wrong.content.decode()
