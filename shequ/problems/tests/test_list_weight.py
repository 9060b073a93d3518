"""Lists and pickers show an area's name, never its boundary: a grid outline imported
from GIS is tens of kilobytes of JSON, decoded for every row that carried it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.areas.models import Area
from shequ.problems.tests.helpers import report

pytestmark = pytest.mark.django_db


def test_no_list_or_picker_reads_grid_outlines(world):
    report(world)
    ring = [[116.0 + i / 10000, 39.0 + (i % 7) / 10000] for i in range(1999)]
    Area.objects.filter(kind="grid").update(geometry={"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    pages = {
        world.street_chen: ["/problems/", "/api/v1/problems/", "/tasks/new/", "/problems/new/", "/"],
        world.grid_worker_li: ["/problems/", "/problems/inbox/", "/api/v1/areas/"],
        world.resident_wang: ["/problems/mine/"],
    }
    for user, urls in pages.items():
        client = Client()
        client.force_login(user)
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            loaded = [q["sql"] for q in queries.captured_queries if '"areas_area"."geometry"' in q["sql"]]
            assert not loaded, (url, loaded[0][:300])
