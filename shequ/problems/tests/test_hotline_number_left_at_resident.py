"""Staff entering a 12345 order who type its number but leave the source at 居民上报 (the
form's first choice): the report was filed as the worker's own, the order number dropped
without a word, and the order missing from the 接诉即办 ledger and its one-entry check."""

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_an_order_number_is_not_dropped_when_the_source_is_left_as_it_was(world):
    c = client_for(world.users["community_staff@A1"])
    lon, lat = grid_point(world)
    base = {"category": "blocked_drain", "description": "12345转来：下水道堵塞", "lon": lon, "lat": lat}
    r = c.post("/problems/new/", {**base, "source": "resident", "hotline_order_no": "GD-LEFT-0001"})
    body = r.content.decode()
    assert r.status_code == 400 and "来源却不是“12345热线”" in body
    assert 'value="GD-LEFT-0001"' in body and "12345转来：下水道堵塞" in body
    assert not Problem.objects.filter(description="12345转来：下水道堵塞").exists()
    # With the source chosen, it is the order; another source chosen on purpose drops it.
    assert (
        c.post(
            "/problems/new/", {**base, "source": "hotline", "hotline_order_no": "GD-LEFT-0001"}
        ).status_code
        == 302
    )
    p = Problem.objects.get(description="12345转来：下水道堵塞")
    assert (p.source, p.hotline_order_no, p.ledger_type) == ("hotline", "GD-LEFT-0001", "hotline")
