"""A form sends each line break of a description as two characters (CRLF): a report of
1,990 characters on 20 lines was refused as longer than 2,000, and the message did not
say how long it was."""

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _post(world, description):
    lon, lat = grid_point(world)
    return client_for(world.resident_wang).post(
        "/problems/new/",
        {
            "category": "blocked_drain",
            "description": description,
            "source": "resident",
            "lon": lon,
            "lat": lat,
        },
    )


def test_line_breaks_count_once_and_are_kept_as_one(world):
    lines = ["楼道下水管堵塞，污水外溢" + "水" * 87] * 20  # 99 characters a line
    text = "\r\n".join(lines)  # 1,980 + 19 breaks = 1,999 as the page counts; 2,018 as sent
    r = _post(world, text)
    assert r.status_code == 302, r.content.decode()[:500]
    problem = Problem.objects.filter(reporter=world.resident_wang).latest("id")
    assert problem.description == "\n".join(lines)


def test_a_description_too_long_is_told_its_length(world):
    r = _post(world, "堵" * 2001)
    assert r.status_code == 400
    assert "问题描述不能超过 2000 个字（现在 2001 个字）" in r.content.decode()
