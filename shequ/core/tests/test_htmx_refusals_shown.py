"""A part of the page asked for in the background and refused 403 or 404 showed nothing:
htmx swaps no 4xx but those base.html lists, so 查看完整 of a resident no longer in the
worker's scope, or any htmx request whose security token went stale, seemed a dead button.
The message box now goes into the notice at the top of the page."""

import json
import re

import pytest
from django.test import Client

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/residents/1/"}


def _rules(client: Client) -> list[dict]:
    page = client.get("/residents/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config is not None
    return json.loads(config.group(1))["responseHandling"]


def _rule_for(rules: list[dict], code: str) -> dict:
    """htmx's responseHandling: the first rule whose code pattern matches decides."""
    return next(r for r in rules if re.search(r["code"], code))


def _told_at_the_top(r) -> str:
    assert r["HX-Retarget"] == "#session-notice"
    assert r["HX-Reswap"] == "innerHTML" and r["HX-Reselect"] == ".error"
    assert r["HX-Push-Url"] == "false"
    body = r.content.decode()
    assert "<html" not in body.lower() and 'class="error"' in body
    return body


def test_unmask_of_a_resident_out_of_scope_says_so_at_the_top_of_the_page(world):
    # Given a resident of community A1, and community B1's secretary (the same answer as
    # for one moved out of a worker's grid since the page was opened)
    resident = world.residents["A1-1-h1-r1"]
    zhao = client_for(world.outsider_zhao)
    # Then 404s are swapped in, not dropped
    rules = _rules(zhao)
    assert _rule_for(rules, "404")["swap"] is True and _rule_for(rules, "403")["swap"] is True
    assert _rule_for(rules, "500")["swap"] is False
    # When B1's secretary asks for the phone in the background
    r = zhao.post(f"/residents/{resident.pk}/unmask/", {"field": "phone", "reason": "核实"}, headers=HTMX)
    # Then the refusal comes as the message box, placed at the top of the page
    assert r.status_code == 404
    assert "居民不存在或无权查看" in _told_at_the_top(r)


def test_a_stale_security_token_on_an_htmx_request_is_said_as_a_message(world):
    # Given a page whose token no longer matches the browser's (signed in again elsewhere)
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.secretary_zhang)
    c.get("/residents/")  # the CSRF cookie
    resident = world.residents["A1-1-h1-r1"]
    # When 查看完整 is sent with the old token
    r = c.post(
        f"/residents/{resident.pk}/unmask/",
        {"field": "phone", "reason": "核实"},
        headers={**HTMX, "X-CSRFToken": "x" * 64},
    )
    # Then the message box alone, at the top, saying nothing was done and no "go back"
    assert r.status_code == 403
    body = _told_at_the_top(r)
    assert "页面已过期" in body and "返回上一页" not in body


def test_a_page_refused_404_is_a_whole_page_without_htmx_headers(world):
    zhao = client_for(world.outsider_zhao)
    resident = world.residents["A1-1-h1-r1"]
    r = zhao.get(f"/residents/{resident.pk}/")
    assert r.status_code == 404 and "<html" in r.content.decode().lower()
    assert not r.has_header("HX-Retarget")
