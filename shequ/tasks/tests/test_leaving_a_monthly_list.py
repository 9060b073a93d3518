"""A task is taken out of its monthly list by choosing 不加入 in the editor (``0`` in
``PUT /tasks/{id}``) while the list is with the community (a draft, or returned): it
becomes an ad-hoc draft, and the audit row names the list it left. While the street
holds the list the change is refused, naming 加入月度清单. The choice was silently
ignored: the other changes were saved and the task stayed in its list."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.access.models import AuditEvent
from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import ListStatus, MonthlyList, Task, TaskStatus
from shequ.tasks.tests.helpers import make_task, task_input
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _listed(world):
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, f"{first:%Y%m}")
    ends = timezone.now() + timedelta(days=60)
    return monthly, make_task(world, publish=False, monthly_list=monthly.pk, deadline=ends)


def _editor_form(body):
    """The editor's fields as the browser sends them, the menus at their selected option."""
    values = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
    values |= dict(re.findall(r'<input name="(\w+)"[^>]*? value="([^"]*)"', body))
    for name, options in re.findall(r'<select name="(\w+)"(?: required)?>(.*?)</select>', body, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected>', options)
        values[name] = chosen[0] if chosen else re.findall(r'<option value="([^"]*)"', options)[0]
    values["description"] = re.findall(r'<textarea name="description"[^>]*>(.*?)</textarea>', body, re.S)[0]
    values["audience"] = "public"
    return values


@pytest.mark.parametrize("returned", [False, True], ids=["draft", "returned"])
def test_a_task_is_taken_out_of_a_list_with_the_community(world, returned):
    monthly, task = _listed(world)
    if returned:
        services.transition_list(world.secretary_zhang, monthly.pk, "submit")
        services.transition_list(world.street_chen, monthly.pk, "return", "第1项改为临时任务")
    changed = task_input(task, places=5, monthly_list=services.LEAVE_LIST)
    task = services.update_task(world.secretary_zhang, task.pk, changed)
    assert (task.monthly_list_id, task.places, task.status) == (None, 5, TaskStatus.DRAFT)
    row = AuditEvent.objects.filter(event="task.update", object_id=str(task.pk)).get()
    assert row.detail == {"monthly_list": {"from": monthly.pk, "to": None}}
    # An ad-hoc draft now: published by hand, no longer by its list.
    task = services.transition_task(world.secretary_zhang, task.pk, "publish")
    assert task.status == TaskStatus.PUBLISHED


def test_a_task_stays_in_a_list_the_street_holds_and_the_refusal_names_the_field(world):
    monthly, task = _listed(world)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    changed = task_input(task, places=5, monthly_list=services.LEAVE_LIST)
    with pytest.raises(ValidationFailed) as exc:
        services.update_task(world.secretary_zhang, task.pk, changed)
    assert list(exc.value.fields) == ["monthly_list"]
    assert exc.value.fields["monthly_list"].startswith("“加入月度清单”不能改为不加入：")
    assert "已报街道审批" in exc.value.fields["monthly_list"]
    task.refresh_from_db()
    assert (task.monthly_list_id, task.places) == (monthly.pk, 2)
    # The API says the same on the field.
    r = client_for(world.secretary_zhang).put(
        f"/api/v1/tasks/{task.pk}",
        {**_api_body(task), "places": 5, "monthly_list": 0},
        "application/json",
    )
    assert r.status_code == 400 and "加入月度清单" in r.json()["fields"]["monthly_list"]


def _api_body(task):
    return {
        "title": task.title,
        "description": task.description,
        "category": task.category,
        "difficulty": task.difficulty,
        "places": task.places,
        "deadline": task.deadline.isoformat(),
        "area": task.area.code,
    }


def test_the_api_takes_a_task_out_with_0_and_keeps_the_list_when_left_out(world):
    monthly, task = _listed(world)
    api = client_for(world.secretary_zhang)
    r = api.put(f"/api/v1/tasks/{task.pk}", {**_api_body(task), "places": 3}, "application/json")
    assert r.status_code == 200 and r.json()["monthly_list"] == monthly.pk
    r = api.put(f"/api/v1/tasks/{task.pk}", {**_api_body(task), "monthly_list": 0}, "application/json")
    assert r.status_code == 200 and r.json()["monthly_list"] is None


def test_the_editors_no_list_takes_the_task_out_of_its_list(world):
    """As seen in the browser: 不加入（临时任务） and 名额 5 saved, the page said nothing,
    名额 changed and the task still showed its list."""
    monthly, task = _listed(world)
    c = client_for(world.secretary_zhang)
    body = c.get(f"/tasks/{task.pk}/edit/").content.decode()
    assert "不加入（移出清单，改为临时任务草稿）" in body
    form = _editor_form(body)
    assert form["monthly_list"] == str(monthly.pk)
    r = c.post(f"/tasks/{task.pk}/edit/", form | {"monthly_list": "", "places": "5"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert (task.monthly_list_id, task.places) == (None, 5)
    assert (
        f'?monthly_list={monthly.pk}" class="list-tasks">0 个任务<'
        in c.get("/tasks/monthly/").content.decode()
    )


def test_the_editor_opens_on_the_tasks_own_list_beyond_the_first_few(world):
    """The menu lists some draft lists (newest month first); were the task's own list not
    among them, the menu would open on 不加入 and a save would take it out unasked."""
    monthly, task = _listed(world)
    area = world.areas["A1"]
    MonthlyList.objects.bulk_create(
        MonthlyList(
            area=area,
            area_path=area.path,
            month=f"{2090 + n // 12}{n % 12 + 1:02d}",
            publish_on=timezone.localdate(),
            created_by=world.secretary_zhang,
        )
        for n in range(30)
    )
    c = client_for(world.secretary_zhang)
    form = _editor_form(c.get(f"/tasks/{task.pk}/edit/").content.decode())
    assert form["monthly_list"] == str(monthly.pk)
    assert c.post(f"/tasks/{task.pk}/edit/", form | {"places": "4"}).status_code == 302
    assert Task.objects.filter(pk=task.pk, monthly_list=monthly, places=4).exists()


def test_the_editor_says_which_field_when_the_list_went_to_the_street_meanwhile(world):
    monthly, task = _listed(world)
    c = client_for(world.secretary_zhang)
    form = _editor_form(c.get(f"/tasks/{task.pk}/edit/").content.decode())
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    r = c.post(f"/tasks/{task.pk}/edit/", form | {"monthly_list": "", "places": "5"})
    body = r.content.decode()
    assert r.status_code == 409 and "“加入月度清单”不能改为不加入：" in body
    assert 'value="5"' in body  # what was typed comes back
    task.refresh_from_db()
    assert (task.monthly_list_id, task.places) == (monthly.pk, 2)
    assert MonthlyList.objects.get(pk=monthly.pk).status == ListStatus.SUBMITTED
