"""JSON true and false were taken wherever the API expects a whole number, as 1 and 0:
{"item": true, "quantity": true} ordered item #1, and {"satisfaction": true} recorded a
one-star rating. They are refused with the field named, as a fraction is."""

import json

import pytest

from shequ.points.models import Order, StoreItem
from shequ.points.tests.helpers import fund, item
from shequ.problems.tests.helpers import report
from shequ.tasks.models import Task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

NOT_A_BOOL = "必须是整数，不能是 true 或 false"


def _post(c, path, body, method="post"):
    return getattr(c, method)(path, json.dumps(body), content_type="application/json")


def test_an_order_of_true_items_is_refused(world):
    rice = item(world)
    fund(world, world.resident_wang)
    # Counted, not assumed none: the session's committed demo has orders of its own.
    orders = Order.objects.count()
    r = _post(client_for(world.resident_wang), "/api/v1/store/orders/", {"item": True, "quantity": True})
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"item": NOT_A_BOOL, "quantity": NOT_A_BOOL}
    assert "item：必须是整数" in r.json()["message"]
    assert Order.objects.count() == orders
    r = _post(client_for(world.resident_wang), "/api/v1/store/orders/", {"item": rice.pk, "quantity": 5.5})
    assert r.status_code == 422 and r.json()["fields"] == {"quantity": "必须是整数"}


def test_store_items_refuse_true_for_price_stock_and_limit(world):
    staff = client_for(world.secretary_zhang)
    body = {
        "name": "米",
        "price": True,
        "stock": True,
        "per_person_limit": False,
        "area": world.areas["A1"].code,
    }
    r = _post(staff, "/api/v1/store/items/", body)
    assert r.status_code == 422
    assert r.json()["fields"] == {"price": NOT_A_BOOL, "stock": NOT_A_BOOL, "per_person_limit": NOT_A_BOOL}
    rice = item(world)
    r = _post(staff, f"/api/v1/store/items/{rice.pk}", {"price": True}, method="patch")
    assert r.status_code == 422 and r.json()["fields"] == {"price": NOT_A_BOOL}
    assert StoreItem.objects.get(pk=rice.pk).price == rice.price


def test_tasks_and_service_points_refuse_true(world):
    staff = client_for(world.secretary_zhang)
    task = {
        "title": "清理小广告",
        "description": "d",
        "category": "clear_ads",
        "difficulty": "easy",
        "places": True,
        "deadline": "2030-01-01T09:00",
        "area": world.areas["A1"].code,
        "target_units": [True],
    }
    tasks = Task.objects.count()
    r = _post(staff, "/api/v1/tasks/", task)
    assert r.status_code == 422
    assert r.json()["fields"] == {"places": NOT_A_BOOL, "target_units.0": NOT_A_BOOL}
    assert Task.objects.count() == tasks
    r = _post(
        staff,
        "/api/v1/points/service-records",
        {"member": True, "kind": "mediation", "note": "调解", "points": True},
    )
    assert r.status_code == 422
    assert r.json()["fields"] == {"member": NOT_A_BOOL, "points": NOT_A_BOOL}


def test_a_rating_of_true_is_refused(world):
    problem = report(world)
    r = _post(
        client_for(world.resident_wang),
        f"/api/v1/problems/{problem.pk}/transitions",
        {"action": "evaluate", "satisfaction": True, "resolved": True, "seen": True},
    )
    # This endpoint reads its own body (JSON or a form with photos): its refusals are 400.
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"satisfaction": NOT_A_BOOL, "seen": NOT_A_BOOL}


def test_numbers_as_text_are_still_taken(world):
    """A form (the transitions take photos) sends every number as text."""
    rice = item(world)
    fund(world, world.resident_wang)
    r = _post(
        client_for(world.resident_wang), "/api/v1/store/orders/", {"item": str(rice.pk), "quantity": "1"}
    )
    assert r.status_code == 201, r.content


def test_visit_plans_team_members_and_landlords_refuse_true(world):
    staff = client_for(world.secretary_zhang)
    plan = {"grid": world.areas["A1-1"].code, "month": "202611", "worker_id": True, "target_households": True}
    r = _post(staff, "/api/v1/visit-plans", plan)
    assert r.status_code == 422
    assert r.json()["fields"] == {"worker_id": NOT_A_BOOL, "target_households": NOT_A_BOOL}
    resident = world.residents["A1-1-h1-r1"]
    r = _post(staff, f"/api/v1/residents/{resident.pk}/floating", {"landlord_id": True}, method="put")
    assert r.status_code == 422 and r.json()["fields"] == {"landlord_id": NOT_A_BOOL}
    r = _post(staff, "/api/v1/resources/teams/1/members", {"resident": True})
    assert r.status_code == 422 and r.json()["fields"] == {"resident": NOT_A_BOOL}
    r = _post(staff, "/api/v1/monthly-lists/1/transitions", {"action": "submit", "seen": False})
    assert r.status_code == 422 and r.json()["fields"] == {"seen": NOT_A_BOOL}


def test_a_place_of_true_is_refused_not_taken_as_one_degree(world):
    """float(true) is 1.0: {"lon": true} reported a problem at longitude 1, and the
    refusal spoke of a place outside the community instead of the field sent."""
    from shequ.problems.models import Problem

    before = Problem.objects.count()
    r = _post(
        client_for(world.resident_wang),
        "/api/v1/problems/",
        {"category": "blocked_drain", "description": "楼道下水管堵塞", "lon": True, "lat": 30.2},
    )
    assert r.status_code == 400, r.content
    assert r.json()["fields"] == {"lon": "必须是数字，不能是 true 或 false"}
    assert Problem.objects.count() == before
    problem = report(world)
    r = _post(
        client_for(world.resident_wang), f"/api/v1/problems/{problem.pk}/follow", {"lon": True, "lat": False}
    )
    assert r.status_code == 422, r.content
    assert r.json()["fields"] == {
        "lon": "必须是数字，不能是 true 或 false",
        "lat": "必须是数字，不能是 true 或 false",
    }
