"""The OpenAPI document describes what the endpoints really answer: a client generated
from it reads the 公示栏 with the 公示栏's shape, and is told of the 409 a second tap of a
claim's step answers."""

import pytest
from django.test import Client

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _schema(doc, operation, status="200"):
    ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_the_public_notice_and_a_users_notices_are_documented_each_with_its_own_shape(world):
    # Both were called NoticeOut: the document kept one, and the 公示栏 (able, pioneers,
    # stars…) was described as a notification (id, text, link, read_at).
    doc = Client().get("/api/v1/openapi.json").json()
    board = _schema(doc, doc["paths"]["/api/v1/points/notice/{code}"]["get"])
    answer = Client().get(f"/api/v1/points/notice/{world.areas['A1'].code}").json()
    assert set(board["required"]) <= set(answer) and set(answer) <= set(board["properties"])
    assert {"able", "pioneers", "stars", "stars_final", "star_lists"} <= set(board["properties"])
    read = _schema(doc, doc["paths"]["/api/v1/notifications/{notice_id}/read"]["post"])
    assert {"id", "text", "link", "read_at"} <= set(read["properties"])
    assert "able" not in read["properties"]


def test_a_second_tap_of_a_claims_step_answers_the_409_the_document_names(world):
    resident = client_for(world.resident_wang)
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    assert resident.post(f"/api/v1/claims/{claim.pk}/withdraw").status_code == 200
    again = resident.post(f"/api/v1/claims/{claim.pk}/withdraw")
    assert again.status_code == 409 and again.json()["code"] == "changed"
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for step in ("proof", "accept", "return", "withdraw"):
        assert "409" in paths[f"/api/v1/claims/{{claim_id}}/{step}"]["post"]["responses"], step


def test_no_two_api_schemas_share_a_name():
    """The OpenAPI document names each schema by its class name: two classes of one name
    in different apps leave one of them documented with the other's fields."""
    import importlib

    from ninja import Schema

    names: dict[str, type] = {}
    apps = (
        "access",
        "areas",
        "notifications",
        "people",
        "points",
        "problems",
        "registry",
        "reports",
        "tasks",
    )
    for app in apps:
        module = importlib.import_module(f"shequ.{app}.api")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                seen = names.setdefault(value.__name__, value)
                assert seen is value, f"{value.__name__}: {seen.__module__} and {value.__module__}"


def test_every_operation_documents_the_503_a_busy_database_answers(world):
    """A database still locked past its wait answers 503 unavailable (nothing saved, try
    again), on any operation: a generated client must know it to retry."""
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            answer = operation["responses"].get("503")
            assert answer is not None, (method, path)
            assert answer["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_a_reason_the_step_always_needs_is_required_in_the_document(world):
    """冲正 and 退回 refuse a step without a reason, but the document called `reason`
    optional (default ""): a client generated from it sent the step without one."""
    doc = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/points/transactions/{transaction_id}/reverse", "/api/v1/claims/{claim_id}/return"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        schema = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        assert "reason" in schema.get("required", []), path
    # Left out, the field is named as missing.
    answer = client_for(world.secretary_zhang).post(
        "/api/v1/points/transactions/1/reverse", "{}", content_type="application/json"
    )
    assert answer.status_code == 422 and answer.json()["fields"] == {"reason": "必填"}
