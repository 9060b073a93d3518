"""A 查看完整 (or any htmx request) answered 503 while the database was busy showed
nothing: htmx keeps 5xx answers out, though ours carries 系统繁忙… as a fragment."""

import json
import re

import pytest
from django.db import OperationalError

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _rule_for(rules, code: str) -> dict:
    """htmx's responseHandling: the first rule whose code pattern matches decides."""
    return next(r for r in rules if re.search(r["code"], code))


def test_a_busy_answer_to_an_htmx_request_is_swapped_in_as_its_message(world, monkeypatch):
    c = client_for(world.secretary_zhang)
    page = c.get("/residents/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config is not None
    rules = json.loads(config.group(1))["responseHandling"]
    assert _rule_for(rules, "503")["swap"] is True
    assert _rule_for(rules, "500")["swap"] is False  # a server error page is not put in a box

    # And what is swapped in is the message alone, not a whole page.
    from shequ.people import views

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.selectors, "search", busy)
    r = c.get("/residents/", {"q": "张"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 503
    body = r.content.decode()
    assert "<html" not in body.lower() and "系统繁忙" in body
