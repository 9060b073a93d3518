"""What a monthly list's row says: its task count (cancelled tasks left out, as the
submission check leaves them out) and the street's return reason (only while the list
is back with the community, in full to whoever wrote it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _next_month_list(world):
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, f"{first:%Y%m}")


def _listed_task(world, monthly, **kw):
    return make_task(
        world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60), **kw
    )


def test_a_cancelled_task_is_not_counted_in_its_list(world):
    """The row said "1 个任务" while 报街道审批 was refused with "清单里还没有任务"."""
    monthly = _next_month_list(world)
    task = _listed_task(world, monthly)
    services.transition_task(world.secretary_zhang, task.pk, "cancel", "重复录入")
    with pytest.raises(ValidationFailed) as exc:
        services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    assert exc.value.fields == {"tasks": "清单里还没有任务"}
    page = client_for(world.secretary_zhang).get("/tasks/monthly/").content.decode()
    assert f'?monthly_list={monthly.pk}" class="list-tasks">0 个任务<' in page
    api = client_for(world.secretary_zhang)
    rows = api.get("/api/v1/monthly-lists/").json()["items"]
    assert [r["tasks"] for r in rows if r["id"] == monthly.pk] == [0]
    # A live task beside it is counted, in the list and in a step's answer.
    _listed_task(world, monthly, title="清理楼道杂物")
    r = api.post(f"/api/v1/monthly-lists/{monthly.pk}/transitions", {"action": "submit"}, "application/json")
    assert r.status_code == 200 and r.json()["tasks"] == 1
