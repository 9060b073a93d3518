"""The operations that answer 429 say so in the OpenAPI document, and do answer it."""

import json

import pytest
from django.test import Client, override_settings

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_every_operation_that_can_answer_429_lists_it():
    """POST /auth/token (a locked account) and the resident export (the hourly allowance)
    answered 429 without the document saying so; the resident list and export answer it
    for searches by a full number beyond SHEQU_NUMBER_SEARCH_PER_HOUR, as do the resource
    creates that name a resident by ID number."""
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for method, path in [
        ("post", "/api/v1/auth/token"),
        ("get", "/api/v1/residents/"),
        ("get", "/api/v1/residents/export"),
        ("post", "/api/v1/residents/export"),
        ("post", "/api/v1/residents/{resident_id}/unmask"),
        ("post", "/api/v1/resources/units/{unit_id}/contact-phone"),
        ("post", "/api/v1/resources/talents/"),
        ("post", "/api/v1/resources/teams/{team_id}/members"),
    ]:
        response = paths[path][method]["responses"]["429"]
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "locked_out" in paths["/api/v1/auth/token"]["post"]["responses"]["429"]["description"]
    assert "429" not in paths["/api/v1/areas/"]["get"]["responses"]


def test_the_resident_export_answers_429_in_the_error_shape(world):
    staff = world.users["community_staff@A1"]
    api = client_for(staff)
    resident = world.residents["A1-1-h1-r1"]
    number = world.full_values[resident.pk][0]
    area = world.areas["A1"].code
    with override_settings(UNMASK_PER_HOUR=1):
        r = api.post(
            f"/api/v1/residents/{resident.pk}/unmask",
            json.dumps({"field": "phone", "reason": "联系居民"}),
            content_type="application/json",
        )
        assert r.status_code == 200
        r = api.post(
            "/api/v1/residents/export",
            json.dumps({"area": area, "reason": "核对名单"}),
            content_type="application/json",
        )
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    other = world.full_values[world.residents["A1-1-h1-r2"].pk][0]
    with override_settings(NUMBER_SEARCH_PER_HOUR=1):
        assert api.get("/api/v1/residents/export", {"area": area, "q": number}).status_code == 200
        r = api.get("/api/v1/residents/export", {"area": area, "q": other})
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
