"""The editor's deadline holds minutes: a deadline set to the second through the API moved
to its minute, without a word, whenever the draft was saved in the editor."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _form(world, task, page, **kw):
    return {
        "title": "更换楼道灯泡和开关",
        "description": task.description,
        "category": task.category,
        "difficulty": task.difficulty,
        "places": "2",
        "deadline": page.split('name="deadline" type="datetime-local" value="')[1].split('"')[0],
        "area": world.areas["A1-1"].code,
        "audience": "public",
        "seen": page.split('name="seen" value="')[1].split('"')[0],
    } | kw


def test_a_deadline_to_the_second_is_kept_when_left_as_shown(world):
    deadline = (timezone.now() + timedelta(days=7)).replace(second=45, microsecond=0)
    task = make_task(world, publish=False, deadline=deadline)
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/{task.pk}/edit/").content.decode()
    r = staff.post(f"/tasks/{task.pk}/edit/", _form(world, task, page))
    assert r.status_code == 302, r.content.decode()[:500]
    saved = Task.objects.get(pk=task.pk)
    assert saved.title == "更换楼道灯泡和开关" and saved.deadline == deadline
    # Changed in the editor, it is the minute typed.
    page = staff.get(f"/tasks/{task.pk}/edit/").content.decode()
    later = timezone.localtime(deadline + timedelta(hours=1)).replace(second=0)
    r = staff.post(f"/tasks/{task.pk}/edit/", _form(world, task, page, deadline=f"{later:%Y-%m-%dT%H:%M}"))
    assert r.status_code == 302 and Task.objects.get(pk=task.pk).deadline == later
