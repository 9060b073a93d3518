"""The year's star volunteers (星级志愿者) are everyone whose year reaches a star, however
many: the board and the staff list are where the year-end prizes are handed out from."""

from datetime import date

import pytest
from django.test import Client

from shequ.people import idcard
from shequ.people.services import ResidentInput, bulk_register_residents, register_household
from shequ.points import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_quarter")]


def party_members(world, count):
    """``count`` party members registered in one new household of community A1."""
    household = register_household(building=world.areas["A1-1-b"], address="9单元901")
    rows = [
        (
            ResidentInput(
                name=f"星{i:03d}",
                id_number=idcard.make("370103", date(1960, 1, 1 + i % 28), 700 + i, "M"),
                relation="head" if i == 0 else "other",
                gender="M",
                birth_date=date(1960, 1, 1 + i % 28),
                party_member_kind="local",
            ),
            household,
        )
        for i in range(count)
    ]
    return bulk_register_residents(rows)


def test_every_star_volunteer_of_the_year_is_listed_past_the_hundredth(world, settings):
    """A community with 101 star volunteers: the 101st (fewest points, still a star) was
    left off the staff list, the API and the public board with no word that any were."""
    settings.STAR_THRESHOLDS = [10]
    members = party_members(world, 101)
    for i, resident in enumerate(members):
        services.record_service(
            world.secretary_zhang,
            services.ServiceInput(
                member=0,
                resident=resident.pk,
                kind="care",
                note="看望独居老人",
                points=10 if i == 100 else 20,
            ),
        )
    code = world.areas["A1"].code
    last = members[100].name  # 10 points: one star, the least of them

    staff = Client()
    staff.force_login(world.secretary_zhang)
    body = staff.get("/api/v1/points/rankings", {"community": code}).json()
    ours = [r for r in body["stars"] if r["name"].startswith("星")]
    assert len(ours) == 101
    assert (ours[-1]["name"], ours[-1]["points"], ours[-1]["stars"]) == (last, 10, 1)
    assert f">{last}</a>" in staff.get("/points/rankings/", {"community": code}).content.decode()

    board = Client().get(f"/api/v1/points/notice/{code}").json()
    assert len([r for r in board["stars"] if r["name"].startswith("星")]) == 101
    assert Client().get(f"/points/notice/{code}/").content.decode().count("<li>星**") == 101
