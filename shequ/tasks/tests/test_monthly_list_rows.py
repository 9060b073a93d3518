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


def _returned(world, reason):
    monthly = _next_month_list(world)
    _listed_task(world, monthly)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", reason)
    return monthly


def test_a_list_submitted_again_no_longer_shows_its_old_return_reason(world):
    """The street's page said "待街道审批（退回：任务太少…）" of a list sent back to it."""
    monthly = _returned(world, "任务太少，请补充")
    street = client_for(world.street_chen)
    assert "（退回：任务太少，请补充）" in street.get("/tasks/monthly/").content.decode()
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    monthly.refresh_from_db()
    assert monthly.return_reason == ""
    page = street.get("/tasks/monthly/").content.decode()
    assert "待街道审批" in page and "（退回：" not in page
    assert "退回修改：任务太少，请补充" in page  # the history keeps every round's reason
    row = street.get(f"/api/v1/monthly-lists/{monthly.pk}/history").json()
    assert [h["note"] for h in row if h["step"] == "退回修改"] == ["任务太少，请补充"]
    rows = street.get("/api/v1/monthly-lists/").json()["items"]
    assert [r["return_reason"] for r in rows if r["id"] == monthly.pk] == [""]


def test_a_reason_kept_on_a_list_under_review_is_not_shown(world):
    """Lists resubmitted before the reason was cleared on submission still hold it."""
    from shequ.tasks.models import MonthlyList

    monthly = _returned(world, "任务太少，请补充")
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    MonthlyList.objects.filter(pk=monthly.pk).update(return_reason="任务太少，请补充")
    street = client_for(world.street_chen)
    assert "（退回：" not in street.get("/tasks/monthly/").content.decode()
    rows = street.get("/api/v1/monthly-lists/").json()["items"]
    assert [r["return_reason"] for r in rows if r["id"] == monthly.pk] == [""]


def test_the_return_reason_is_shown_in_full_to_its_writer_only(world):
    """It was masked for everyone, the street officer who typed it too; as every note of
    the project, it is whole for its writer and masked for the others (who find the
    person in the registry, where reading the full number is recorded)."""
    monthly = _returned(world, "请联系居民13812345678核实地点")

    def reasons(client):
        rows = client.get("/api/v1/monthly-lists/").json()["items"]
        return [r["return_reason"] for r in rows if r["id"] == monthly.pk]

    own = client_for(world.street_chen)
    assert "（退回：请联系居民13812345678核实地点）" in own.get("/tasks/monthly/").content.decode()
    assert reasons(own) == ["请联系居民13812345678核实地点"]
    community = client_for(world.secretary_zhang)
    page = community.get("/tasks/monthly/").content.decode()
    assert "（退回：请联系居民138****5678核实地点）" in page and "13812345678" not in page
    assert reasons(community) == ["请联系居民138****5678核实地点"]


def test_the_lists_linked_tasks_leave_out_the_cancelled_as_its_count_does(world):
    """ "0 个任务" linked to a page listing one: the cancelled task."""
    monthly = _next_month_list(world)
    gone = _listed_task(world, monthly, title="重复录入的任务")
    services.transition_task(world.secretary_zhang, gone.pk, "cancel", "重复录入")
    kept = _listed_task(world, monthly, title="清理楼道杂物")
    staff = client_for(world.secretary_zhang)
    page = staff.get("/tasks/", {"monthly_list": monthly.pk}).content.decode()
    assert kept.title in page and gone.title not in page and "不含已取消的" in page
    page = staff.get("/tasks/", {"monthly_list": monthly.pk, "status": "cancelled"}).content.decode()
    assert gone.title in page and kept.title not in page
    ids = [t["id"] for t in staff.get("/api/v1/tasks/", {"monthly_list": monthly.pk}).json()["items"]]
    assert ids == [kept.pk]
