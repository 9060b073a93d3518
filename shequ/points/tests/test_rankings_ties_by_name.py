"""People with equal points share a rank (1, 1, 3) and were listed in the order their
points accounts happened to be opened: on the public board that reads as a sub-ranking
by a rule nobody can see. Equal points are now listed by name (pinyin), as a notice
lists people it does not rank, on the board, its JSON and the staff rankings alike."""

import pytest
from django.test import Client

from shequ.people.models import Resident
from shequ.points import selectors
from shequ.points.models import AccountKind
from shequ.testing.clients import client_for

from .test_recognition import earn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_quarter")]


def test_equal_points_are_listed_by_name_not_by_account_age(world):
    zhang, li = world.users["resident@A1-1-h1"], world.users["resident@A1-2-h1"]
    Resident.objects.filter(pk=zhang.resident.pk).update(name="张晓明")
    Resident.objects.filter(pk=li.resident.pk).update(name="李晓红")
    earn(world, zhang, "任务一")  # 张's account is opened first
    earn(world, li, "任务二")
    community = world.areas["A1"]

    ours = [
        (r.rank, r.name)
        for r in selectors.ranking(community, AccountKind.RESIDENT, 2030, 2)
        if r.name in ("张晓明", "李晓红")
    ]
    assert ours == [(1, "李晓红"), (1, "张晓明")]
    board = Client().get(f"/points/notice/{community.code}/").content.decode()
    assert board.index("李**") < board.index("张**")
    api = Client().get(f"/api/v1/points/notice/{community.code}").json()
    assert [r["name"] for r in api["able"] if r["name"] in ("李**", "张**")] == ["李**", "张**"]
    staff = client_for(world.secretary_zhang).get("/points/rankings/", {"community": community.code})
    page = staff.content.decode()
    assert page.index(">李晓红</a>") < page.index(">张晓明</a>")
