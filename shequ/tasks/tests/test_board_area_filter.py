"""任务大厅 narrows by place for staff, as `GET /api/v1/tasks/?area=` does. A street
office over several communities had only 类别, 状态 and the title search on the page:
one community's tasks (the list it is asked about on the phone) could not be picked out
of the street's, while the API could. The page offers the communities, grids and
estates of the viewer's scope, and a place outside it is the API's 404."""

import pytest

from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_street_staff_narrow_the_board_to_one_community(world):
    here = make_task(world, title="春元里楼道灯泡更换")
    other_secretary = world.users["community_secretary@A2"]
    there = make_task(world, actor=other_secretary, key="A2-1", title="第二社区清理广告")
    street = client_for(world.street_chen)

    page = street.get("/tasks/", {"area": world.areas["A2"].code})

    assert page.status_code == 200
    body = page.content.decode()
    assert f"/tasks/{there.pk}/" in body and f"/tasks/{here.pk}/" not in body
    # The choice is offered, and kept selected for the next 筛选.
    assert 'name="area"' in body
    assert f'<option value="{world.areas["A2"].code}" selected>' in body
    # The API says the same.
    api = street.get("/api/v1/tasks/", {"area": world.areas["A2"].code}).json()["items"]
    listed = {row["id"] for row in api}
    assert there.pk in listed and here.pk not in listed


def test_a_grid_narrows_a_community_board(world):
    in_grid = make_task(world, key="A1-1", title="网格一的任务")
    other_grid = make_task(world, key="A1-2", title="网格二的任务")

    page = client_for(world.secretary_zhang).get("/tasks/", {"area": world.areas["A1-2"].code})
    body = page.content.decode()

    assert f"/tasks/{other_grid.pk}/" in body and f"/tasks/{in_grid.pk}/" not in body


def test_a_place_outside_the_scope_is_not_found(world):
    response = client_for(world.secretary_zhang).get("/tasks/", {"area": world.areas["B1"].code})
    assert response.status_code == 404


def test_an_unknown_code_is_named_beside_the_filters(world):
    # A resident's board narrows what is open to them by any place, as the API does; a
    # code that names no place is said beside the filters, as the API's 400 says it.
    response = client_for(world.resident_wang).get("/tasks/", {"area": "999999999999"})
    assert response.status_code == 400
    assert "区域编码 999999999999 不存在" in response.content.decode()
    # Staff pick from their places; a code that is none of them is the API's 404.
    assert client_for(world.secretary_zhang).get("/tasks/", {"area": "999999999999"}).status_code == 404
