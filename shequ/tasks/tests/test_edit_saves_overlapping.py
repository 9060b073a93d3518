"""Two staff pressing 保存 on one draft at the same moment: both saves passed the version
check before either was written (it ran outside the transaction), so the second wrote
over the first's without a word. The version is checked again under the write, and the
second is refused, naming who saved."""

import dataclasses

import pytest

from shequ.core.errors import Conflict
from shequ.tasks import selectors, services
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task, task_input

pytestmark = pytest.mark.django_db


def test_a_save_overlapping_a_colleagues_is_refused_and_theirs_stands(world, monkeypatch):
    draft = Task.objects.get(pk=make_task(world, publish=False).pk)
    seen = selectors.edit_version(draft)
    data = task_input(draft)
    check = services._check_task
    colleague = [dataclasses.replace(data, places=5)]

    def checked_while_a_colleague_saves(*args, **kwargs):
        if colleague:  # the colleague's save lands while this one is being checked
            services.update_task(world.secretary_zhang, draft.pk, colleague.pop(), seen=seen)
        return check(*args, **kwargs)

    monkeypatch.setattr(services, "_check_task", checked_while_a_colleague_saves)
    with pytest.raises(Conflict, match="community_secretary@A1于.*您这次的修改没有保存"):
        services.update_task(
            world.users["community_staff@A1"], draft.pk, dataclasses.replace(data, places=3), seen=seen
        )
    assert Task.objects.get(pk=draft.pk).places == 5
