"""A resident's care records are paged on the page and in the API: none is out of reach."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.people import services
from shequ.people.models import CareRecord

pytestmark = pytest.mark.django_db


def care_for_a_long_time(world, resident, weeks):
    """A weekly call for ``weeks`` weeks, the first one the oldest (written as the service
    writes one, then the earlier ones copied back in time)."""
    today = timezone.localdate()
    first = services.record_care(world.secretary_zhang, resident.pk, "phone", "第1次电话问候", today)
    CareRecord.objects.bulk_create(
        CareRecord(
            resident_id=resident.pk,
            area_path=first.area_path,
            carer_id=first.carer_id,
            cared_on=today - timedelta(weeks=i),
            kind="phone",
            content=f"第{i + 1}次电话问候",
        )
        for i in range(1, weeks)
    )
    CareRecord.objects.filter(pk=first.pk).update(
        cared_on=today - timedelta(weeks=weeks), content="最早一次上门"
    )


def test_the_oldest_care_record_of_a_long_cared_for_resident_can_be_reached(world):
    # After two years of weekly calls the page showed the newest 100 and the API the
    # newest 200, with no next page: the first visits were nowhere to be read.
    resident = world.residents["A1-1-h1-r1"]
    care_for_a_long_time(world, resident, 230)
    client = Client()
    client.force_login(world.secretary_zhang)

    first = client.get(f"/residents/{resident.pk}/care/").content.decode()
    assert "第2次电话问候" in first and "最早一次上门" not in first
    assert "下一页" in first and "共 230 条" in first
    last = client.get(f"/residents/{resident.pk}/care/", {"page": 5}).content.decode()
    assert "最早一次上门" in last

    body = client.get(f"/api/v1/residents/{resident.pk}/care-records").json()
    assert body["count"] == 230 and len(body["items"]) == 50
    assert body["items"][0]["content"] == "第2次电话问候"
    pages = -(-230 // 50)
    body = client.get(f"/api/v1/residents/{resident.pk}/care-records", {"page": pages}).json()
    assert body["items"][-1]["content"] == "最早一次上门"
