"""A task's title and a store item's name are one line on every page, notice and sheet,
and a form can send no line break in them; a JSON client could ("更换\\n灯泡"), and the
board showed the title broken. Line breaks and runs of spaces are now one space."""

import pytest

from shequ.core.texts import one_line
from shequ.points.models import StoreItem
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import task_body
from shequ.testing.clients import client_for, send_json

pytestmark = pytest.mark.django_db


def test_one_line():
    assert one_line(" 更换\r\n楼道\t灯泡　 ") == "更换 楼道 灯泡"
    assert one_line(None) == "" and one_line("\n \n") == ""


def test_a_task_title_sent_with_line_breaks_is_kept_as_one_line(world):
    staff = client_for(world.secretary_zhang)
    body = task_body(world, title="更换\n楼道\r\n灯泡", description="三单元楼道灯不亮\n请带梯子")
    r = send_json(staff, "POST", "/api/v1/tasks/", body)
    assert r.status_code == 201, r.content
    task = Task.objects.get(pk=r.json()["id"])
    assert task.title == "更换 楼道 灯泡"
    assert task.description == "三单元楼道灯不亮\n请带梯子"  # a description keeps its lines


def test_an_item_name_sent_with_line_breaks_is_kept_as_one_line(world):
    staff = client_for(world.secretary_zhang)
    r = send_json(
        staff,
        "POST",
        "/api/v1/store/items/",
        {"name": "东北\n大米", "price": 10, "stock": 5, "area": world.areas["A1"].code},
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert StoreItem.objects.get(pk=pk).name == "东北 大米"
    r = send_json(staff, "PATCH", f"/api/v1/store/items/{pk}", {"name": "五常\r\n大米"})
    assert r.status_code == 200 and r.json()["name"] == "五常 大米"
    r = send_json(staff, "PATCH", f"/api/v1/store/items/{pk}", {"name": "\n\n"})
    assert r.status_code == 400 and "name" in r.json()["fields"]
