"""List exports read a constant number of queries, whatever the number of rows."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.people.models import Resident

pytestmark = pytest.mark.django_db


def queries(client, url, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 200, url
        b"".join(response.streaming_content)
    return len(ctx.captured_queries)


def make_veterans(world, count, taken):
    """``count`` more residents of community A1 in the veterans' list."""
    more = [r.pk for k, r in sorted(world.residents.items()) if k.startswith("A1-") and r.pk not in taken]
    more = more[:count]
    assert len(more) == count
    Resident.objects.filter(pk__in=more).update(care_tags=",veteran,")
    taken.update(more)


def test_care_export_does_not_read_each_rows_numbers_again(world):
    # Exporting a community's veterans' list (masked, or in full with a reason) read each
    # row's encrypted ID number and phone in two more queries: thousands of queries,
    # and seconds, for a street's list.
    client = Client()
    client.force_login(world.users["community_secretary@A1"])
    taken: set[int] = set()
    make_veterans(world, 2, taken)
    url = "/care/export/?group=veteran"
    few = (queries(client, url), queries(client, url, {"reason": "走访准备"}))
    make_veterans(world, 4, taken)
    assert (queries(client, url), queries(client, url, {"reason": "走访准备"})) == few
