"""A service record whose points were taken back (冲正) says so where the records are
listed: on the 服务积分 page and in ``GET /points/service-records``. It was listed with its
points as if they stood, and staff counting a member's service read a wrong total."""

import pytest

from shequ.points import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _reversed_record(world):
    record = services.record_service(
        world.secretary_zhang,
        services.ServiceInput(
            member=0, resident=world.residents["A1-1-h2-r2"].pk, kind="errand", note="代办医保", points=8
        ),
    )
    services.reverse(world.secretary_zhang, record.transaction.pk, "记错了人")
    return record


def test_the_service_page_marks_a_reversed_record(world):
    record = _reversed_record(world)
    page = client_for(world.secretary_zhang).get("/points/service/").content.decode()
    row = page[page.index(f'id="service-{record.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "已冲正" in row and "记错了人" in row


def test_the_api_marks_a_reversed_record(world):
    record = _reversed_record(world)
    rows = client_for(world.secretary_zhang).get("/api/v1/points/service-records").json()["items"]
    found = next(r for r in rows if r["id"] == record.pk)
    assert found["reversed"] is True and found["reversal_reason"] == "记错了人"
