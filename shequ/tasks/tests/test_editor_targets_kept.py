"""The editor lists the first 200 units, teams and skilled residents to aim a task at; a
street's skills registry runs to thousands. A draft aimed at one further down the list
opened in the editor with it unselected, so saving the draft dropped the target (or, if it
was the only one, was refused as a targeted task with nobody to aim at)."""

import pytest

from shequ.tasks import services
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _far_down_the_registry(world):
    first = world.residents["A1-1-h1-r1"].pk
    for n in range(200):
        services.add_talent(world.secretary_zhang, first, "able", "维修", f"特长{n}")
    # Listed by place: a resident of the second grid comes after the first grid's 200.
    last = world.residents["A1-2-h2-r2"].pk
    return services.add_talent(world.secretary_zhang, last, "artist", "书法", "写春联")


def test_a_draft_aimed_at_a_talent_far_down_the_list_keeps_it_when_saved(world):
    talent = _far_down_the_registry(world)
    task = make_task(world, key="A1", publish=False, audience="targeted", target_talents=[talent.pk])
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/tasks/{task.pk}/edit/").content.decode()
    assert f'<option value="{talent.pk}" selected>' in page
    # Saved as a browser sends the form: the options selected on the page.
    form = {
        "title": "写春联",
        "description": task.description,
        "category": task.category,
        "difficulty": task.difficulty,
        "places": "2",
        "deadline": page.split('name="deadline" type="datetime-local" value="')[1].split('"')[0],
        "area": world.areas["A1"].code,
        "audience": "targeted",
        "target_talents": [talent.pk],
        "seen": page.split('name="seen" value="')[1].split('"')[0],
    }
    r = staff.post(f"/tasks/{task.pk}/edit/", form)
    assert r.status_code == 302, r.content.decode()[:500]
    assert list(Task.objects.get(pk=task.pk).target_talents.values_list("pk", flat=True)) == [talent.pk]


def test_a_refused_new_task_keeps_a_talent_far_down_the_list_selected(world):
    talent = _far_down_the_registry(world)
    form = {"title": "写", "audience": "targeted", "target_talents": [talent.pk], "places": "1"}
    page = client_for(world.secretary_zhang).post("/tasks/new/", form).content.decode()
    assert f'<option value="{talent.pk}" selected>' in page
