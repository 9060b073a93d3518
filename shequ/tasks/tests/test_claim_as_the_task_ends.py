"""A resident pressing 接单 as staff press 结束任务: the claim passed the task's checks
before the task was closed, and the place's conditional update then refused it as
"名额已满" though places were left. It is refused with what happened: the task ended."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import Claim, Task
from shequ.tasks.tests.helpers import make_task

pytestmark = pytest.mark.django_db


def test_a_claim_as_the_task_is_closed_is_told_the_task_ended(world, monkeypatch):
    task = make_task(world, places=3)
    done_before = services.done_before
    closing = [lambda: services.transition_task(world.secretary_zhang, task.pk, "close", "活动已取消")]

    def checked_while_it_closes(*args, **kwargs):
        if closing:
            closing.pop()()
        return done_before(*args, **kwargs)

    monkeypatch.setattr(services, "done_before", checked_while_it_closes)
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(world.resident_wang, task.pk)
    assert exc.value.fields == {"task": "任务当前为“已结束”，不能接单"}
    assert not Claim.objects.filter(task=task).exists() and Task.objects.get(pk=task.pk).filled == 0
