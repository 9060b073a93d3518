"""A task made from a problem named it “问题 #3” on the task's page and in the editor: the
row's internal id, which no other page shows. The problem page, the board, the notices
and the 合并 field all know a problem by its 编号 (20261125000003), so staff looking for
“#3” found nothing. Both pages now write the 编号."""

import pytest

from shequ.problems.tests.helpers import report
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_task_page_names_its_problem_by_number(world):
    problem = report(world)
    task = make_task(world, problem=problem.pk)
    body = client_for(world.secretary_zhang).get(f"/tasks/{task.pk}/").content.decode()
    source = body[body.index("来源问题") :]
    source = source[: source.index("</dd>")]
    assert f'href="/problems/{problem.pk}/"' in source
    assert problem.number in source
    assert f"#{problem.pk}<" not in source


def test_the_editor_names_the_problem_it_starts_from_by_number(world):
    problem = report(world)
    body = client_for(world.secretary_zhang).get(f"/tasks/new/?problem={problem.pk}").content.decode()
    hint = body[body.index("由问题") :]
    hint = hint[: hint.index("转为任务")]
    assert f'href="/problems/{problem.pk}/"' in hint
    assert problem.number in hint
    assert f"#{problem.pk}<" not in hint
