"""A form that takes a resident by full ID number, refused because the hour's lookups by
number are spent, comes back with everything typed and the reason on the number's field
(it answered the bare 429 page, and the report typed for an elderly resident was gone)."""

import pytest
from django.test import override_settings

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_report_on_behalf_refused_by_the_hourly_limit_keeps_what_was_typed(world):
    c = client_for(world.grid_worker_li)
    lon, lat = grid_point(world)
    target = world.residents["A1-1-h2-r1"]
    other = world.residents["A1-1-h1-r1"]
    form = {
        "category": "garbage",
        "description": "王大爷反映垃圾三天没人收，楼下堆满",
        "source": "on_behalf",
        "lon": lon,
        "lat": lat,
        "address": "3栋楼下垃圾站",
        "on_behalf_id_number": world.full_values[target.pk][0],
    }
    with override_settings(NUMBER_SEARCH_PER_HOUR=1):
        c.get("/residents/", {"q": world.full_values[other.pk][0]})
        r = c.post("/problems/new/", form)
    body = r.content.decode()
    assert r.status_code == 400 and "王大爷反映垃圾三天没人收" in body and "3栋楼下垃圾站" in body
    assert "每小时最多按完整的身份证号或电话查找1次" in body
    assert not Problem.objects.filter(description__startswith="王大爷").exists()


def test_the_resource_forms_say_the_limit_beside_what_was_typed(world):
    c = client_for(world.secretary_zhang)
    first, second = world.residents["A1-1-h1-r1"], world.residents["A1-1-h2-r1"]
    with override_settings(NUMBER_SEARCH_PER_HOUR=1):
        c.get("/residents/", {"q": world.full_values[first.pk][0]})
        r = c.post(
            "/tasks/resources/",
            {
                "form": "talent",
                "id_number": world.full_values[second.pk][0],
                "kind": "able",
                "trade": "电力",
                "skill": "家电维修",
            },
        )
    body = r.content.decode()
    assert r.status_code == 400 and "每小时最多按完整的身份证号或电话查找1次" in body
    assert 'value="家电维修"' in body
