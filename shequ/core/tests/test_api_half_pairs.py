"""A JSON string may hold half of a surrogate pair ("\\ud800", an emoji cut in two by a
client): valid JSON, but no database can store it. It was a 500 at the INSERT, with
nothing saved and nothing said; it is a 400 naming the field."""

import json

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.tasks.models import Task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

CUT = '"下水道堵了\\ud83d"'  # the first half of 😀, its second half lost


def _client(user):
    c = client_for(user)
    c.raise_request_exception = False
    return c


def test_a_problem_report_naming_the_field_with_half_a_pair(world):
    lon, lat = grid_point(world, "A1-1")
    body = f'{{"category": "blocked_drain", "description": {CUT}, "lon": {lon}, "lat": {lat}}}'
    before = Problem.objects.count()
    r = _client(world.resident_wang).post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert "不成对" in r.json()["fields"]["description"]
    assert Problem.objects.count() == before


def test_a_schema_body_with_half_a_pair_is_refused_on_its_field(world):
    """Bodies read by the API's schemas (here a task) go through the same check."""
    body = json.dumps({"title": "x", "description": "y"})[:-1] + f', "title": {CUT}}}'
    before = Task.objects.count()
    r = _client(world.secretary_zhang).post("/api/v1/tasks/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert "不成对" in r.json()["fields"]["title"], r.json()
    assert Task.objects.count() == before


def test_a_whole_pair_is_kept(world):
    lon, lat = grid_point(world, "A1-1")
    whole = '"下水道堵了\\ud83d\\ude00"'
    body = f'{{"category": "blocked_drain", "description": {whole}, "lon": {lon}, "lat": {lat}}}'
    r = _client(world.resident_wang).post("/api/v1/problems/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert Problem.objects.get(pk=r.json()["id"]).description == "下水道堵了😀"
