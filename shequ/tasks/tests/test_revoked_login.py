"""A login acts with its roles as they are now (as Open311 keys and problem reports do):
a resident whose role was revoked (moved away, account closed by the community) still
saw and claimed the community's public tasks through the registry record their login
is linked to, and earned points for them."""

import pytest

from shequ.access.models import User
from shequ.access.services import revoke_role
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_resident_whose_role_was_revoked_claims_no_task(world):
    from shequ.points.tests.helpers import party_member

    member = party_member(world, "party-member-revoked")
    task = make_task(world, key="A1")
    c = client_for(member)
    assert c.get(f"/api/v1/tasks/{task.pk}").status_code == 200  # while a resident
    revoke_role(User.objects.get(pk=member.pk), "resident", world.households["A1-1-h2"].code)
    c = client_for(User.objects.get(pk=member.pk))
    assert c.get(f"/api/v1/tasks/{task.pk}").status_code == 404
    assert c.post(f"/api/v1/tasks/{task.pk}/claims").status_code == 404
    assert task.pk not in {t["id"] for t in c.get("/api/v1/tasks/").json()["items"]}
    assert f'href="/tasks/{task.pk}/"' not in c.get("/tasks/").content.decode()
