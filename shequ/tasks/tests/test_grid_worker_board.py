"""A grid worker's board listed only tasks set for their grid: the community's public
tasks, which the residents of their grid claim and whose proof comes to them to accept,
were missing ("您管辖范围内暂无符合条件的任务" beside a dozen open tasks)."""

import pytest

from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_grid_worker_sees_the_communitys_open_public_tasks_to_read(world):
    whole = make_task(world, key="A1", title="社区环境整治志愿服务")
    draft = make_task(world, key="A1", publish=False, title="下月社区活动筹备")
    elsewhere = make_task(world, actor=world.outsider_zhao, key="B1", title="别处的任务")
    c = client_for(world.grid_worker_li)  # works in grid A1-1
    board = c.get("/tasks/").content.decode()
    assert f'href="/tasks/{whole.pk}/"' in board
    assert f'href="/tasks/{draft.pk}/"' not in board and f'href="/tasks/{elsewhere.pk}/"' not in board
    listed = [t["id"] for t in c.get("/api/v1/tasks/").json()["items"]]
    assert whole.pk in listed and draft.pk not in listed and elsewhere.pk not in listed
    page = c.get(f"/tasks/{whole.pk}/")
    assert page.status_code == 200
    assert f'href="/tasks/{whole.pk}/edit/"' not in page.content.decode()  # run by the community
    assert c.get(f"/api/v1/tasks/{whole.pk}").status_code == 200
    assert c.get(f"/api/v1/tasks/{draft.pk}").status_code == 404
