"""A small body nested a thousand deep ({"category": [[[…]]]}) made the JSON parser give
up with a RecursionError, which nothing caught: a 500, for a body any endpoint parsed by
django-ninja refuses as unreadable. Every endpoint now refuses it the same way."""

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000


def _unreadable(r):
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "invalid_body" and body["fields"] == {"body": "不是有效的 JSON 或表单"}
    assert body["message"].startswith("请求体无法解析")


def test_a_deeply_nested_body_is_unreadable_where_the_problems_api_reads_it(world):
    c = client_for(world.resident_wang)
    c.raise_request_exception = False
    before = Problem.objects.count()
    _unreadable(c.post("/api/v1/problems/", f'{{"category": {DEEP}}}', content_type="application/json"))
    assert Problem.objects.count() == before
    problem = report(world)
    r = c.post(
        f"/api/v1/problems/{problem.pk}/transitions",
        f'{{"action": {DEEP}}}',
        content_type="application/json",
    )
    _unreadable(r)
    # Plain bad JSON is told the same way as on the endpoints ninja parses.
    _unreadable(c.post("/api/v1/problems/", "{bad", content_type="application/json"))


@pytest.mark.parametrize("path", ["/api/v1/store/orders/", "/api/v1/tasks/", "/api/v1/auth/token"])
def test_a_deeply_nested_body_with_half_a_pair_is_unreadable(world, path):
    """The check for half a surrogate pair parses bodies holding "\\ud8…" itself."""
    c = client_for(world.secretary_zhang)
    c.raise_request_exception = False
    _unreadable(c.post(path, f'{{"x": "\\ud83d", "item": {DEEP}}}', content_type="application/json"))
