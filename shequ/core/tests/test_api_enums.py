"""The OpenAPI document lists the values of every choice, taken from the models and the
lifecycle tables; a wrong value is still refused in Chinese, naming the field."""

import json

import pytest
from django.test import Client

from shequ.points.lifecycle import TRANSITIONS as ORDER_TRANSITIONS
from shequ.points.models import OrderStatus
from shequ.points.tests.helpers import fund, item, redeem
from shequ.problems.lifecycle import TRANSITIONS as PROBLEM_TRANSITIONS
from shequ.problems.models import HandlingLevel, ResponsibleRole, Source, Status
from shequ.tasks.lifecycle import LIST_TRANSITIONS, TASK_TRANSITIONS
from shequ.tasks.models import Audience, Category, ClaimStatus, Difficulty, TaskStatus, UnitKind
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spec():
    return Client().get("/api/v1/openapi.json").json()


def params(spec, method, path):
    return {p["name"]: p["schema"] for p in spec["paths"][path][method].get("parameters", [])}


def props(spec, name):
    return spec["components"]["schemas"][name]["properties"]


def test_the_schema_lists_the_values_of_filters_and_actions(spec):
    """A client generated from the document could not know a status, a level or an
    action: no enum anywhere but the unmask field."""
    problems = params(spec, "get", "/api/v1/problems/")
    assert problems["status"]["enum"] == Status.values
    assert problems["level"]["enum"] == HandlingLevel.values
    assert problems["source"]["enum"] == Source.values
    assert "default" not in problems["status"]  # a blank filter is none of the values
    act = spec["paths"]["/api/v1/problems/{problem_id}/transitions"]["post"]["requestBody"]["content"]
    for body in act.values():
        fields = body["schema"]["properties"]
        assert fields["action"]["enum"] == list(PROBLEM_TRANSITIONS)
        assert fields["responsible_role"]["enum"] == ResponsibleRole.values
    detail = props(spec, "ProblemDetailOut")
    assert detail["status"]["enum"] == Status.values
    assert detail["allowed_actions"]["items"]["enum"] == list(PROBLEM_TRANSITIONS)

    assert props(spec, "TransitionIn")["action"]["enum"] == list(ORDER_TRANSITIONS)  # orders
    assert params(spec, "get", "/api/v1/store/orders/")["status"]["enum"] == OrderStatus.values
    assert props(spec, "OrderOut")["status"]["enum"] == OrderStatus.values

    task_in = props(spec, "TaskIn")
    assert task_in["category"]["enum"] == Category.values
    assert task_in["difficulty"]["enum"] == Difficulty.values
    assert task_in["audience"]["enum"] == Audience.values and task_in["audience"]["default"] == "public"
    assert params(spec, "get", "/api/v1/tasks/")["status"]["enum"] == TaskStatus.values
    assert params(spec, "get", "/api/v1/claims/")["status"]["enum"] == ["open", "todo", *ClaimStatus.values]
    assert props(spec, "TaskActionIn")["action"]["enum"] == list(TASK_TRANSITIONS)
    assert props(spec, "ListActionIn")["action"]["enum"] == list(LIST_TRANSITIONS)
    assert props(spec, "UnitIn")["kind"]["enum"] == UnitKind.values
    assert props(spec, "CategoryOut")["responsible_role"]["enum"] == ResponsibleRole.values


def test_a_value_outside_the_list_is_still_refused_in_chinese_naming_the_field(world):
    """The enums are documentation: the handlers' and services' own checks answer, with
    their Chinese messages (not pydantic's 422)."""
    api = client_for(world.street_chen)
    r = api.get("/api/v1/problems/", {"status": "opened"})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"status"}
    assert "opened" in r.json()["fields"]["status"]
    r = api.get("/api/v1/store/orders/", {"status": "sent"})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"status"}

    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world, name="毛巾", price=5))
    r = client_for(buyer).post(
        f"/api/v1/store/orders/{order.pk}/transitions",
        json.dumps({"action": "refund"}),
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["fields"] == {"action": "未知的操作“refund”"}


def test_an_unknown_area_kind_is_named_not_answered_with_an_empty_list(world, spec):
    """``/api/v1/areas/?kind=gird`` answered an empty list, which reads as "no grids"."""
    from shequ.areas.models import AreaKind

    api = client_for(world.street_chen)
    r = api.get("/api/v1/areas/", {"kind": "gird"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert r.json()["fields"] == {"kind": "区域类型“gird”不在可选范围内"}
    assert api.get("/api/v1/areas/", {"kind": "grid"}).json()["count"] == 4
    assert api.get("/api/v1/areas/").json()["count"] > 4  # no kind: every kind
    assert params(spec, "get", "/api/v1/areas/")["kind"]["enum"] == AreaKind.values
