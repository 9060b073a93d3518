"""A 编号 in full-width digits (as a phone keyboard types it) sent in an address whose
query was not percent-encoded: signed out, the login's next= was made by reading those
bytes as Latin-1, and after signing in the search was for a garbled number (400) instead
of opening the problem."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from shequ.problems.tests.helpers import report
from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_signing_in_from_a_number_search_goes_on_to_the_problem(world):
    p = report(world)
    typed = p.number.translate(FULL_WIDTH)
    c = Client()
    r = c.get(f"/problems/?number={typed}&status=")  # the query as sent, unencoded
    assert r.status_code == 302
    back = parse_qs(urlsplit(r["Location"]).query)["next"][0]
    assert parse_qs(urlsplit(back).query)["number"] == [typed]
    page = c.get(r["Location"]).content.decode()
    found = re.search(r'name="next" value="([^"]*)"', page)
    assert found is not None
    sent = found.group(1).replace("&amp;", "&")
    r = c.post("/login/", {"username": world.secretary_zhang.username, "password": PASSWORD, "next": sent})
    assert r.status_code == 302
    r = c.get(r["Location"])
    assert r.status_code == 302 and r["Location"] == f"/problems/{p.pk}/"


def test_an_encoded_search_is_left_as_it_was(world):
    c = Client()
    r = c.get("/problems/", {"number": "２０２６", "status": "closed"})
    assert r["Location"] == (
        "/login/?next=/problems/%3Fnumber%3D%25EF%25BC%2592%25EF%25BC%2590%25EF%25BC%2592%25EF%25BC%2596"
        "%26status%3Dclosed"
    )
