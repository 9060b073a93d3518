"""The inbox page puts first, for a verifier, the problems reported back that wait on
their 核查 (not the work they reported back themselves). The API had no such list: an
app could ask for status=reported_back, which also listed the viewer's own work, which
the service then refused to let them check."""

import pytest

from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _reported_back(world, doer):
    staff = world.users["community_staff@A1"]
    p = report(world)
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, doer, p, "start")
    return act(world, doer, p, "report_back", note="已疏通", photos=[jpeg()])


def test_a_verifier_lists_in_the_api_what_waits_on_their_check_as_the_inbox_does(world):
    staff = world.users["community_staff@A1"]
    by_grid_worker = _reported_back(world, world.grid_worker_li)
    by_staff = _reported_back(world, staff)
    c = client_for(staff)

    r = c.get("/api/v1/problems/", {"verify": "true"})
    assert r.status_code == 200
    listed = {p["id"] for p in r.json()["items"]}
    # The grid worker's work waits on the staff member; their own does not.
    assert by_grid_worker.pk in listed and by_staff.pk not in listed
    page = c.get("/problems/inbox/").content.decode()
    assert f'href="/problems/{by_grid_worker.pk}/"' in page and f'href="/problems/{by_staff.pk}/"' not in page
    # The secretary checks both.
    mine = client_for(world.secretary_zhang).get("/api/v1/problems/", {"verify": "true"}).json()["items"]
    assert {by_grid_worker.pk, by_staff.pk} <= {p["id"] for p in mine}
    # The board's filters narrow it; it is not mixed with the other lists.
    other = c.get("/api/v1/problems/", {"verify": "true", "category": "garbage"}).json()["items"]
    assert by_grid_worker.pk not in {p["id"] for p in other}
    r = c.get("/api/v1/problems/", {"verify": "true", "inbox": "true"})
    assert r.status_code == 400 and "verify" in r.json()["fields"]
    # A grid worker verifies nothing: an empty list.
    assert client_for(world.grid_worker_li).get("/api/v1/problems/", {"verify": "true"}).json()["items"] == []
