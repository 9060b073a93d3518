"""The new list pages and API lists cost the same number of queries for 2 rows as for 8."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.people import services
from shequ.people.models import Resident
from shequ.people.services import FloatingInput, VisitInput

pytestmark = pytest.mark.django_db

URLS = [
    "/visits/",
    "/visits/unvisited/?days=1",
    "/floating/",
    "/floating/landlords/",
    "/care/?group=elderly_60",
    "/api/v1/visits/",
    "/api/v1/floating/",
    "/api/v1/floating/landlords",
    "/api/v1/care/?group=elderly_60",
    "/api/v1/households/unvisited?days=1",
]


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def add_rows(world, keys):
    zhang = world.secretary_zhang
    for key in keys:
        household = world.households[key]
        data = VisitInput(
            visited_on=timezone.localdate(), people_met="户主", situation="情况良好", needs=(("修灯", ""),)
        )
        services.record_visit(zhang, household.pk, data)
        tenant, landlord = world.residents[f"{key}-r2"], world.residents[f"{key}-r1"]
        Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
        services.set_floating(
            zhang, tenant.pk, FloatingInput(landlord_id=landlord.pk, permit_number="JZ12345678")
        )
        services.record_care(zhang, landlord.pk, "phone", "电话问候", timezone.localdate())


def test_new_lists_do_not_grow_queries_with_rows(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    add_rows(world, ["A1-1-h1"])
    few = {url: queries(client, url) for url in URLS}
    add_rows(world, ["A1-1-h2", "A1-2-h1"])  # A1-2-h2 stays unvisited: that list is not empty
    many = {url: queries(client, url) for url in URLS}
    assert many == few
