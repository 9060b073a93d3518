"""A field an endpoint does not read was dropped without a word: a client that sent
``{"active": false}`` to take an item off the shelf through PATCH /store/items/{id} was
answered 200 with the item still on sale, an order of ``{"qty": 3}`` bought one, and a
task sent with ``"audiance": "targeted"`` was published to every resident. Such a field is
now refused, named, and nothing is done."""

import pytest

from shequ.points.models import Order, StoreItem
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point, report
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import task_body
from shequ.testing.clients import client_for, send_json

pytestmark = pytest.mark.django_db


def _item(world):
    staff = client_for(world.secretary_zhang)
    r = send_json(
        staff,
        "POST",
        "/api/v1/store/items/",
        {"name": "大米", "price": 10, "stock": 5, "area": world.areas["A1"].code},
    )
    assert r.status_code == 201
    return staff, r.json()["id"]


def _refused(r, field):
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert field in body["message"]
    assert "没有" in body["fields"][field]


def test_an_item_patched_with_a_field_it_does_not_change_is_refused(world):
    staff, pk = _item(world)
    r = send_json(staff, "PATCH", f"/api/v1/store/items/{pk}", {"active": False})
    _refused(r, "active")
    assert StoreItem.objects.get(pk=pk).active is True
    # A field it does change still works, alone.
    r = send_json(staff, "PATCH", f"/api/v1/store/items/{pk}", {"price": 12})
    assert r.status_code == 200 and r.json()["price"] == 12


def test_an_order_with_a_misspelt_quantity_is_not_placed(world):
    _staff, pk = _item(world)
    resident = client_for(world.resident_wang)
    r = send_json(resident, "POST", "/api/v1/store/orders/", {"item": pk, "qty": 3})
    _refused(r, "qty")
    assert not Order.objects.filter(item_id=pk).exists()


def test_a_task_with_a_misspelt_audience_is_not_saved(world):
    staff = client_for(world.secretary_zhang)
    body = task_body(world, audiance="targeted")
    before = Task.objects.filter(created_by=world.secretary_zhang).count()
    _refused(send_json(staff, "POST", "/api/v1/tasks/", body), "audiance")
    assert Task.objects.filter(created_by=world.secretary_zhang).count() == before


def test_a_problem_step_with_a_field_no_step_reads_is_refused(world):
    problem = report(world)
    staff = client_for(world.secretary_zhang)
    r = send_json(
        staff, "POST", f"/api/v1/problems/{problem.pk}/transitions", {"action": "accept", "notes": "已核实"}
    )
    assert r.status_code == 400
    assert "notes" in r.json()["fields"] and "notes" in r.json()["message"]
    problem.refresh_from_db()
    assert problem.status == "reported"


def test_a_report_with_a_misspelt_field_is_refused(world):
    resident = client_for(world.resident_wang)
    lon, lat = grid_point(world)
    body = {
        "category": "blocked_drain",
        "description": "楼道下水管堵塞",
        "lon": lon,
        "lat": lat,
        "adress": "3单元",
    }
    before = Problem.objects.filter(reporter=world.resident_wang).count()
    r = send_json(resident, "POST", "/api/v1/problems/", body)
    assert r.status_code == 400
    assert "adress" in r.json()["fields"] and "adress" in r.json()["message"]
    assert Problem.objects.filter(reporter=world.resident_wang).count() == before


def test_a_form_posted_report_with_the_csrf_token_is_taken(world):
    # A browser session posting the API as a form sends its CSRF token among the fields.
    resident = client_for(world.resident_wang)
    lon, lat = grid_point(world)
    r = resident.post(
        "/api/v1/problems/",
        {
            "category": "blocked_drain",
            "description": "楼道下水管堵塞",
            "lon": lon,
            "lat": lat,
            "csrfmiddlewaretoken": "x",
        },
    )
    assert r.status_code == 201
