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


def test_staff_who_end_a_task_they_claimed_are_not_told_of_their_own_step(world):
    """A secretary living in the community claims one of its tasks and later ends it
    (结束任务): their own claim is withdrawn with the others', and only the others are
    told — nobody is told of what they did themselves."""
    from shequ.notifications.models import Notification

    secretary = staff_living_at(
        world, "secretary-resident", "A1-1-h2-r2", role="community_secretary", area_key="A1"
    )
    wang = world.resident_wang
    task = make_task(world)
    own = services.claim_task(secretary, task.pk)
    other = services.claim_task(wang, task.pk)
    services.transition_task(secretary, task.pk, "close", "活动取消")
    assert Notification.objects.filter(
        user=wang, link=f"/tasks/claims/{other.pk}/", text__contains="已撤回"
    ).exists()
    assert not Notification.objects.filter(user=secretary, link=f"/tasks/claims/{own.pk}/").exists()
