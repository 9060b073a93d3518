"""居民's search runs as the name is typed and swaps the rows in place: a sighted worker
sees the list change, but a screen reader user heard nothing, and had to leave the box
and go looking to learn whether anyone was found. How many were found is now said in a
status line outside the rows, renewed with each search."""

import re

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def status(body: str) -> re.Match[str] | None:
    return re.search(r'<p id="found"([^>]*)>(.*?)</p>', body, re.S)


def test_a_search_says_how_many_residents_it_found(world):
    secretary = client_for(world.secretary_zhang)
    page = secretary.get("/residents/").content.decode()
    line = status(page)
    assert line is not None and 'role="status"' in line.group(1)
    assert page.index('id="found"') < page.index('<div id="rows">')  # not swapped away with the rows

    swapped = secretary.get("/residents/", {"q": "zzzzqqq"}, HTTP_HX_REQUEST="true").content.decode()
    line = status(swapped)
    assert line is not None and 'hx-swap-oob="innerHTML"' in line.group(1)
    assert line.group(2).strip() == "没有找到居民"

    name = world.residents["A1-1-h1-r1"].name
    swapped = secretary.get("/residents/", {"q": name}, HTTP_HX_REQUEST="true").content.decode()
    rows = len(re.findall(r'<tr><td><a href="/residents/\d+/">', swapped))
    line = status(swapped)
    assert rows >= 1 and line is not None and line.group(2).strip() == f"找到 {rows} 位居民"
