"""The street's decisions on a monthly list reach the community: approval, return (with
the reason) and publication are told to the list's creator and the community's task
managers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, submitted_list

pytestmark = pytest.mark.django_db


def _texts(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True))


def test_approve_return_and_publish_are_told_to_the_community(world):
    monthly = submitted_list(world)
    staff = world.users["community_staff@A1"]
    services.transition_list(world.street_chen, monthly.pk, "return", "第2项任务名额太多")
    for user in (world.secretary_zhang, staff):
        assert any("退回" in t and "第2项任务名额太多" in t for t in _texts(user)), user
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    for user in (world.secretary_zhang, staff):
        assert any("审批通过" in t for t in _texts(user)), user
    assert services.publish_due_lists(monthly.publish_on) == 1
    for user in (world.secretary_zhang, staff):
        assert any("已发布" in t for t in _texts(user)), user
    assert not any("退回" in t for t in _texts(world.users["community_staff@B1"]))


def test_a_task_whose_deadline_passed_before_publication_is_cancelled_and_named(world):
    """Approved after one of its tasks' deadlines (the list was checked when submitted),
    the list was published and that task stayed 待发布 for good, while the community was
    told its tasks were open."""
    from shequ.tasks.models import MonthlyList, Task, TaskStatus

    today = timezone.localdate()
    monthly = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, f"{today:%Y%m}", publish_on=today
    )
    late = make_task(
        world,
        title="清理楼道杂物",
        publish=False,
        monthly_list=monthly.pk,
        deadline=timezone.now() + timedelta(days=3),
    )
    kept = make_task(
        world,
        title="更换楼道灯泡",
        publish=False,
        monthly_list=monthly.pk,
        deadline=timezone.now() + timedelta(days=9),
    )
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    Task.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(hours=1))  # days pass
    services.transition_list(world.street_chen, monthly.pk, "approve")
    assert MonthlyList.objects.get(pk=monthly.pk).status == "published"
    statuses = dict(Task.objects.filter(pk__in=[late.pk, kept.pk]).values_list("title", "status"))
    assert statuses == {"清理楼道杂物": TaskStatus.CANCELLED, "更换楼道灯泡": TaskStatus.PUBLISHED}
    assert any("1 项任务发布时已过截止时间，已取消：清理楼道杂物" in t for t in _texts(world.secretary_zhang))


def test_a_list_is_not_sent_to_a_street_with_nobody_to_approve_it(world):
    """A street set up after its communities: the list went to 待街道审批 with nobody told,
    and stayed frozen there (a list under review cannot be edited or withdrawn)."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.access.models import User
    from shequ.core.errors import ValidationFailed
    from shequ.tasks import services
    from shequ.tasks.models import ListStatus, MonthlyList
    from shequ.tasks.tests.helpers import make_task
    from shequ.tasks.tests.test_query_counts import month_ahead

    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month_ahead(1))
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60))
    User.objects.filter(pk=world.street_chen.pk).update(is_active=False)
    with pytest.raises(ValidationFailed, match="街道还没有可以审批月度任务清单的账号"):
        services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    assert MonthlyList.objects.get(pk=monthly.pk).status == ListStatus.DRAFT
    User.objects.filter(pk=world.street_chen.pk).update(is_active=True)
    assert (
        services.transition_list(world.secretary_zhang, monthly.pk, "submit").status == ListStatus.SUBMITTED
    )


def test_a_list_drawn_up_by_the_streets_only_approver_is_not_sent(world):
    """The street admin drew up a community's list and the secretary submitted it: the
    only approver was its author, who may not approve it, and the list froze."""
    from shequ.core.errors import ValidationFailed
    from shequ.tasks.models import ListStatus, MonthlyList
    from shequ.tasks.tests.test_query_counts import month_ahead

    monthly = services.create_monthly_list(world.street_chen, world.areas["A1"].code, month_ahead(1))
    make_task(world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60))
    with pytest.raises(ValidationFailed, match="不能审批自己编制的清单"):
        services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    assert MonthlyList.objects.get(pk=monthly.pk).status == ListStatus.DRAFT


def test_each_decision_opens_where_it_leaves_the_list(world):
    """Every decision opened the whole list of lists: a returned list had to be found among
    every month's, and a published one's tasks were a further click away."""
    monthly = submitted_list(world)

    def last_link():
        return Notification.objects.filter(user=world.secretary_zhang).latest("id").link

    services.transition_list(world.street_chen, monthly.pk, "return", "第2项任务名额太多")
    assert last_link() == "/tasks/monthly/?status=draft"
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    assert last_link() == "/tasks/monthly/?status=approved"
    services.publish_due_lists(monthly.publish_on)
    assert last_link() == f"/tasks/?monthly_list={monthly.pk}"
    # Each opens for the secretary.
    from shequ.testing.clients import client_for

    c = client_for(world.secretary_zhang)
    for link in ("/tasks/monthly/?status=draft", "/tasks/monthly/?status=approved", last_link()):
        assert c.get(link).status_code == 200, link
