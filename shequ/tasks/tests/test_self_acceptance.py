"""Nobody accepts their own task: a grid worker whose login is linked to a resident of
the grid claims a public task there and may not accept their own proof (no test said
"不能验收自己接的任务" before)."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.tests.helpers import act, make_task, prove, staff_living_at

pytestmark = pytest.mark.django_db


def test_a_grid_worker_who_lives_in_the_grid_cannot_accept_their_own_claim(world):
    worker = staff_living_at(world, "grid-worker-resident", "A1-1-h2-r2")
    task = make_task(world)
    claim = prove(worker, services.claim_task(worker, task.pk))
    with pytest.raises(ValidationFailed, match="不能验收自己接的任务"):
        act(worker, claim, "accept")
