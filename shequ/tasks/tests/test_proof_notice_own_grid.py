"""A grid worker who lives in the grid they serve claims a public task as any resident;
their proof is kept at their household, and the 待验收 notice went to the grid's grid
workers only, skipping the sender. Most grids have one grid worker, so nobody was told
that the proof waited: the notice now goes to the nearest others who may accept it (the
community's staff)."""

import pytest

from shequ.access.models import User
from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, prove, staff_living_at

pytestmark = pytest.mark.django_db


def test_the_only_grid_workers_own_proof_is_told_to_the_community_staff(world):
    worker = staff_living_at(world, "only-gw-lives-in-grid", "A1-1-h2-r2")
    # The grid's other grid worker has left: the new one is its only one.
    User.objects.filter(pk=world.grid_worker_li.pk).update(is_active=False)
    task = make_task(world)
    claim = prove(worker, services.claim_task(worker, task.pk))
    link = f"/tasks/claims/{claim.pk}/"
    told = set(Notification.objects.filter(link=link).values_list("user_id", flat=True))
    assert worker.pk not in told
    assert world.secretary_zhang.pk in told


def test_with_a_colleague_in_the_grid_the_colleague_is_told_as_before(world):
    worker = staff_living_at(world, "second-gw-lives-in-grid", "A1-1-h2-r2")
    task = make_task(world)
    claim = prove(worker, services.claim_task(worker, task.pk))
    link = f"/tasks/claims/{claim.pk}/"
    told = set(Notification.objects.filter(link=link).values_list("user_id", flat=True))
    assert told == {world.grid_worker_li.pk}
