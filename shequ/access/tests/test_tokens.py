"""The token lookup brings the user with their role assignments, in one query."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.access import tokens
from shequ.access.scope import assignments
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def _token(user):
    r = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": user.username, "password": PASSWORD}),
        content_type="application/json",
    )
    return r.json()["token"]


def test_the_token_brings_the_users_assignments_in_one_query(world):
    user = world.street_chen
    token = _token(user)
    with CaptureQueriesContext(connection) as queries:
        found = tokens.user_for_token(token)
        pairs = assignments(found)
    assert len(queries) == 1
    assert found is not None
    assert found.pk == user.pk and found.username == user.username
    assert sorted(pairs) == sorted(user.assignments.values_list("role", "path"))
    assert pairs  # the comparison said something


def test_a_user_without_assignments_has_none(world):
    user = world.street_chen
    token = _token(user)
    user.assignments.all().delete()
    found = tokens.user_for_token(token)
    assert found is not None and assignments(found) == []


def test_an_unknown_token_finds_no_one(world):
    assert tokens.user_for_token("not-a-token") is None
