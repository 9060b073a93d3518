"""Quarterly rankings (社区治理能人 / 社区治理先锋), yearly stars, and the public notice."""

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from shequ.access.services import add_user
from shequ.points import selectors, services
from shequ.points.models import AccountKind
from shequ.points.tests.helpers import fund
from shequ.tasks import services as tasks
from shequ.tasks.tests.helpers import act, make_task, prove

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mid_quarter")]


def earn(world, user, title):
    task = make_task(world, title=title, difficulty="hard")
    claim = prove(user, tasks.claim_task(user, task.pk))
    act(world.grid_worker_li, claim, "accept")


def party_member(world):
    return add_user(
        "party-member-rank",
        "pass-2026-xyz",
        role="resident",
        area_code=world.households["A1-1-h2"].code,
        resident=world.residents["A1-1-h2-r2"],
        check_password=False,
    )


@override_settings(STAR_THRESHOLDS=[20, 40])
def test_quarterly_rankings_count_earned_points_only(world):
    wang, neighbour = world.resident_wang, world.users["resident@A1-1-h2"]
    earn(world, wang, "任务一")
    earn(world, wang, "任务二")
    earn(world, neighbour, "任务三")
    fund(world, neighbour, 500)  # an opening balance is not earned in the quarter
    member = party_member(world)
    services.record_service(
        world.secretary_zhang,
        services.ServiceInput(member=member.pk, kind="care", note="看望独居老人", points=6),
    )
    year, quarter = selectors.current_quarter(timezone.localdate())
    assert (year, quarter) == (2030, 2)  # the frozen clock
    community = world.areas["A1"]
    residents = selectors.ranking(community, AccountKind.RESIDENT, year, quarter)
    assert [(r.name, r.points) for r in residents][:2] == [
        (wang.resident.name, 40),
        (neighbour.resident.name, 20),
    ]
    assert residents[0].stars == 2 and residents[1].stars == 1
    pioneers = selectors.ranking(community, AccountKind.PARTY_MEMBER, year, quarter)
    assert [(r.name, r.points) for r in pioneers] == [(member.resident.name, 6)]
    # A reversed award no longer counts.
    from shequ.tasks.models import Award

    award = Award.objects.filter(user=wang).order_by("id").first()
    assert award is not None
    services.reverse(world.secretary_zhang, award.transaction_id, "重复登记")
    residents = selectors.ranking(community, AccountKind.RESIDENT, year, quarter)
    assert residents[0].points == 20
    # The totals the rankings read equal the entries, and rebuild to the same.
    assert services.rebuild_earnings() == 0
    stars = selectors.star_volunteers(community, year)
    assert [(r.name, r.stars) for r in stars] == [(wang.resident.name, 1), (neighbour.resident.name, 1)]


def test_the_public_notice_shows_masked_names(world):
    earn(world, world.resident_wang, "公示任务")
    name = world.resident_wang.resident.name
    body = Client().get(f"/points/notice/{world.areas['A1'].code}/").content.decode()
    assert "社区治理能人" in body
    assert name not in body and name[0] + "*" * (len(name) - 1) in body
