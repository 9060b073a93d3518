"""A grid worker's visit form sent back for a mistake (家庭情况 too short) came back
with the three need rows it was sent with and three more blank ones: six rows on a
phone after one mistake, nine after two, the one need typed lost among them. It comes
back with the needs typed and blank rows up to the form's three."""

import re

import pytest
from django.utils import timezone

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _need_boxes(body: str) -> list[str]:
    return re.findall(r'<input name="need" value="([^"]*)"', body)


def test_a_refused_visit_form_keeps_its_three_need_rows(world):
    li = client_for(world.grid_worker_li)
    url = f"/households/{world.households['A1-1-h2'].pk}/visits/new/"
    assert len(_need_boxes(li.get(url).content.decode())) == 3
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "people_met": "户主",
        "situation": "好",  # one character: refused
        "need": ["楼道灯坏了", "", ""],
        "need_category": ["", "", ""],
    }
    once = li.post(url, form)
    assert once.status_code == 400
    assert _need_boxes(once.content.decode()) == ["楼道灯坏了", "", ""]
    # Sent back again as it came: still three rows, the need kept.
    form["need"] = _need_boxes(once.content.decode())
    twice = li.post(url, form)
    assert _need_boxes(twice.content.decode()) == ["楼道灯坏了", "", ""]


def test_more_needs_than_rows_all_come_back_with_one_row_to_spare(world):
    li = client_for(world.grid_worker_li)
    url = f"/households/{world.households['A1-1-h2'].pk}/visits/new/"
    typed = ["楼道灯坏了", "下水道堵了", "想咨询养老保险"]
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "people_met": "户主",
        "situation": "好",
        "need": typed,
        "need_category": ["", "", ""],
    }
    body = li.post(url, form).content.decode()
    assert _need_boxes(body) == [*typed, ""]
