"""A proof returned and sent again waits for a decision: `GET /claims/{id}` gave it the
return's `decided_at` while it was 待验收 again, so an app read a pending proof as one
decided (and when). Sending proof clears the decision, as it clears the return's reason;
the timeline keeps the return."""

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.tasks.tests.test_grid_worker_sees_claims_of_the_grid import _photo
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _submit(claim):
    proof = services.ClaimActionInput(action="submit", note="换好了", files=[_photo()])
    return services.transition_claim(claim.user, claim.pk, proof)


def test_a_proof_sent_again_is_not_shown_as_decided(world):
    claim = services.claim_task(world.resident_wang, make_task(world).pk)
    _submit(claim)
    returned = services.transition_claim(
        world.grid_worker_li, claim.pk, services.ClaimActionInput(action="return", note="照片看不清")
    )
    assert returned.decided_at is not None

    again = _submit(claim)

    assert (again.status, again.decided_at, again.decided_by_id) == ("submitted", None, None)
    body = client_for(world.resident_wang).get(f"/api/v1/claims/{claim.pk}").json()
    assert body["decided_at"] is None
    assert [e["action"] for e in body["events"]] == ["claim", "submit", "return", "submit"]
    # Decided again, it carries the new decision.
    accept = services.ClaimActionInput(action="accept")
    accepted = services.transition_claim(world.grid_worker_li, claim.pk, accept)
    assert accepted.decided_at is not None and accepted.decided_by_id == world.grid_worker_li.pk
