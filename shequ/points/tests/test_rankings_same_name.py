"""Two residents of a community often share a name (王伟). The staff rankings listed
"王伟 · 20 分" twice, so whoever hands out the quarter's honours and the year's star prizes
could not tell which 王伟 was which; each person now shows the household (building and
door, no phone) to staff who may read the register, on the page and in the API, and the
name leads to the account. The public board stays masked, with no address."""

import pytest
from django.test import Client

from shequ.people.models import Resident
from shequ.testing.clients import client_for

from .test_recognition import earn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_quarter")]


def two_wang_wei(world):
    first, second = world.users["resident@A1-1-h1"], world.users["resident@A1-2-h1"]
    Resident.objects.filter(pk__in=[first.resident.pk, second.resident.pk]).update(name="王伟")
    earn(world, first, "任务一")
    earn(world, second, "任务二")
    return [
        Resident.objects.select_related("household__building").get(pk=u.resident.pk) for u in (first, second)
    ]


def where(resident):
    return f"{resident.household.building.name} {resident.household.address}"


def test_staff_tell_two_of_one_name_apart_in_the_rankings(world, settings):
    settings.STAR_THRESHOLDS = [20]
    residents = two_wang_wei(world)
    code = world.areas["A1"].code
    staff = client_for(world.secretary_zhang)
    page = staff.get("/points/rankings/", {"community": code}).content.decode()
    for resident in residents:
        assert page.count(where(resident)) == 2  # the quarter's list and the year's stars
        assert world.full_values[resident.pk][1] not in page  # no phone
        account = resident.user.points_account
        assert f'href="/points/accounts/{account.pk}/"' in page
    body = staff.get("/api/v1/points/rankings", {"community": code}).json()
    for rows in (body["able"], body["stars"], body["star_lists"][-1]["stars"]):
        assert {r["address"] for r in rows if r["name"] == "王伟"} == {where(r) for r in residents}

    board = Client().get(f"/points/notice/{code}/").content.decode()
    assert all(where(r) not in board for r in residents)


def test_an_auditor_reads_the_rankings_without_households(world):
    residents = two_wang_wei(world)
    code = world.areas["A1"].code
    auditor = client_for(world.users["auditor@A"])
    page = auditor.get("/points/rankings/", {"community": code}).content.decode()
    assert "王伟" in page and all(where(r) not in page for r in residents)
    body = auditor.get("/api/v1/points/rankings", {"community": code}).json()
    assert {r["address"] for r in body["able"] if r["name"] == "王伟"} == {""}
