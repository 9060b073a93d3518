"""A task's attachments follow its text: while the street holds its monthly list (under
review, or approved and waiting for its day) none is added, since the street approves
the list as it was sent; once the list is published the task takes more, as any other."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.problems.tests.helpers import jpeg
from shequ.tasks import services
from shequ.tasks.models import TaskStatus
from shequ.tasks.tests.helpers import make_task
from shequ.tasks.tests.test_query_counts import month_ahead
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

UNDER_REVIEW = "该任务所在的月度任务清单已报审（已报街道审批），审批或退回之前不能添加附件"
APPROVED = "该任务所在的月度任务清单已经街道审批、等待发布，发布之前不能添加附件"


def listed_task(world):
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month_ahead(1))
    task = make_task(
        world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=60)
    )
    return monthly, task


def refused_everywhere(world, task, message):
    """Given the street holds the task's list: the page offers no upload and says why, the
    page's POST and the API's are refused naming the list, and nothing is attached."""
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/{task.pk}/").content.decode()
    assert f'action="/tasks/{task.pk}/attachments/"' not in page
    assert f'<p class="hint" id="attach-held">{message}</p>' in page
    r = staff.post(f"/tasks/{task.pk}/attachments/", {"files": [jpeg("楼道.jpg")]})
    assert r.status_code == 400 and message in r.content.decode()
    r = staff.post(f"/api/v1/tasks/{task.pk}/attachments", {"files": [jpeg("楼道.jpg")]})
    assert r.status_code == 400
    assert r.json() == {"code": "invalid", "message": message, "fields": {"monthly_list": message}}
    assert task.attachments.count() == 0


def test_no_attachment_while_the_street_holds_the_tasks_list(world):
    monthly, task = listed_task(world)
    staff = client_for(world.secretary_zhang)
    # A list still being drawn up: its tasks take attachments, as their text takes edits.
    assert f'action="/tasks/{task.pk}/attachments/"' in staff.get(f"/tasks/{task.pk}/").content.decode()

    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    refused_everywhere(world, task, UNDER_REVIEW)
    # As the editor refuses its text: on the field of the list.
    assert services.edit_refusal(task)[0] == "monthly_list"

    services.transition_list(world.street_chen, monthly.pk, "approve")
    task.refresh_from_db()
    assert task.status == TaskStatus.SCHEDULED
    refused_everywhere(world, task, APPROVED)


def test_a_returned_or_published_lists_task_takes_attachments_again(world):
    monthly, task = listed_task(world)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "return", "名额太多")
    services.add_attachments(world.secretary_zhang, task.pk, [jpeg()])
    assert task.attachments.count() == 1

    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    services.transition_list(world.street_chen, monthly.pk, "approve")
    # Other lists of the suite's world may fall due the same day: this one is among them.
    assert services.publish_due_lists(monthly.publish_on) >= 1
    task.refresh_from_db()
    assert task.status == TaskStatus.PUBLISHED
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/{task.pk}/").content.decode()
    assert f'action="/tasks/{task.pk}/attachments/"' in page and 'id="attach-held"' not in page
    r = staff.post(f"/api/v1/tasks/{task.pk}/attachments", {"files": [jpeg("门口.jpg")]})
    assert r.status_code == 200 and len(r.json()["attachments"]) == 2
