"""待验收 listed a partner unit's proof under its member's name alone, where the task's
page and the claim's page say “何建国（区供电所）”: the acceptor could not tell from the
queue that the points would go to the unit's account, not to a resident. The queue now
names the unit as the other pages do."""

import re

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, prove, unit_task, unit_with_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _row(page: str, claim_id: int) -> str:
    found = re.search(rf'<tr><td><a href="/tasks/claims/{claim_id}/[^"]*">.*?</tr>', page, re.S)
    assert found is not None
    return found.group(0)


def test_the_queue_names_the_unit_a_proof_was_sent_for(world):
    unit, partner = unit_with_member(world)
    by_unit = prove(partner, services.claim_task(partner, unit_task(world, unit).pk))
    by_resident = prove(world.resident_wang, services.claim_task(world.resident_wang, make_task(world).pk))
    page = client_for(world.secretary_zhang).get("/tasks/queue/").content.decode()
    assert f"（{unit.name}）" in _row(page, by_unit.pk)
    assert "（" not in _row(page, by_resident.pk)
