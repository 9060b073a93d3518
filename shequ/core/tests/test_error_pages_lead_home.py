"""A resident on a phone who opens a problem that is gone (an old notice's link) or a
page their role does not open landed on 未找到 / 出错了 with the reason and nothing to
tap: Django's own 404 page offered 返回首页, the refusals drawn from a domain error did
not. Both lead home now."""

import re

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _home_links(body: str) -> list[str]:
    main = re.search(r"<main>(.*?)</main>", body, re.S)
    assert main is not None
    return re.findall(r'<a href="/">([^<]*)</a>', main.group(1))


def test_a_missing_problem_leads_home(world):
    r = client_for(world.resident_wang).get("/problems/99999999/")
    assert r.status_code == 404
    assert _home_links(r.content.decode()) == ["返回首页"]


def test_a_refused_page_leads_home(world):
    r = client_for(world.resident_wang).get("/tasks/monthly/")
    assert r.status_code == 403
    assert _home_links(r.content.decode()) == ["返回首页"]


def test_an_htmx_refusal_is_only_the_message(world):
    # Swapped into the page it came from: no second way home inside it.
    r = client_for(world.resident_wang).get("/tasks/monthly/", HTTP_HX_REQUEST="true")
    assert r.status_code == 403
    assert "返回首页" not in r.content.decode()
