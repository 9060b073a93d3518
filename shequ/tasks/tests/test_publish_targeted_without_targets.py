"""A targeted draft is saved with at least one unit, team or skilled resident, but a skill
registration can be removed afterwards (删除 on the resources page). A draft aimed only at
it was then published to nobody: nobody could see or claim it, nor was anyone told.
Publishing it is refused, naming what to do."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import Task, TaskStatus
from shequ.tasks.tests.helpers import make_task

pytestmark = pytest.mark.django_db


def test_a_targeted_draft_whose_only_target_was_removed_is_not_published(world):
    resident = world.residents["A1-1-h1-r1"].pk
    talent = services.add_talent(world.secretary_zhang, resident, "able", "电工", "家电维修")
    task = make_task(world, key="A1", publish=False, audience="targeted", target_talents=[talent.pk])
    services.remove_talent(world.secretary_zhang, talent.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.transition_task(world.secretary_zhang, task.pk, "publish")
    assert "定向对象" in refused.value.fields["targets"]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DRAFT
