"""The catalogue listed only the 20 newest redemption windows, with no pager: a street
that set its windows quarter by quarter for years could no longer reach (correct or
remove) the older ones. They are paged, with their own pager beside the items'."""

import re
from datetime import date
from html import unescape
from urllib.parse import urljoin

import pytest

from shequ.points import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _windows(world, n=25):
    code = world.areas["A1"].code
    return [
        services.add_window(
            world.secretary_zhang, code, f"{year}年第一季度", date(year, 1, 1), date(year, 3, 31)
        )
        for year in range(2070, 2070 + n)
    ]


def _link(page_url: str, body: str, text: str, after: str) -> str:
    """The href of the link reading ``text`` that comes after ``after`` on the page."""
    rest = body[body.index(after) :]
    href = re.search(rf'<a href="([^"]*)">{text}</a>', rest)
    assert href, f"no {text} link after {after}"
    return urljoin(page_url, unescape(href.group(1)))


def test_every_redemption_window_is_reachable_page_by_page(world):
    _windows(world)
    staff = client_for(world.secretary_zhang)
    first = staff.get("/points/catalogue/").content.decode()
    assert "2094年第一季度" in first and "2070年第一季度" not in first
    r = staff.get(_link("/points/catalogue/", first, "下一页", "<h2>兑换期</h2>"))
    assert r.status_code == 200
    second = r.content.decode()
    assert "2070年第一季度" in second and "2094年第一季度" not in second
    seen = {y for y in range(2070, 2095) if f"{y}年第一季度" in first + second}
    assert seen == set(range(2070, 2095))


def test_a_refused_window_on_a_later_page_comes_back_on_that_page(world):
    oldest = _windows(world)[0]
    staff = client_for(world.secretary_zhang)
    second = staff.get("/points/catalogue/?wpage=2").content.decode()
    form = re.search(rf'<form method="post" action="([^"]*/points/windows/{oldest.pk}/[^"]*)"', second)
    assert form
    url = urljoin("/points/catalogue/?wpage=2", unescape(form.group(1)))
    r = staff.post(url, {"action": "dates", "starts_on": "2070-01-01", "ends_on": "2069-03-31"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "2070年第一季度" in body and 'value="2069-03-31"' in body and "结束日期不能早于开始日期" in body
    # Corrected, it leads back to the page the row is on.
    r = staff.post(url, {"action": "dates", "starts_on": "2070-01-01", "ends_on": "2070-03-30"})
    assert r.status_code == 302 and "wpage=2" in r["Location"]
    assert "2070年第一季度" in staff.get(r["Location"]).content.decode()
