"""督办 was offered only from 已立案 on: a report left at 已上报 — the one the 响应率 counts
against the community, and the one a street most often chases — could not be urged, the
page offered no 督办 and the API refused it (问题当前为“已上报”，不能进行“督办”). It is now
urged like any open problem, and the triage staff of its place, who owe it 立案, are told."""

import pytest

from shequ.notifications.models import Notification
from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_report_waiting_for_triage_can_be_urged_and_the_triage_staff_are_told(world):
    staff, grid = world.users["community_staff@A1"], world.grid_worker_li
    # 物业管理 is proposed at the street's level: the urging still goes to the community
    # that has not yet answered it, not to the street that urges.
    p = report(world, category="property_management")
    boss = client_for(world.street_chen)
    assert "urge" in boss.get(f"/api/v1/problems/{p.pk}").json()["allowed_actions"]
    r = boss.post(
        f"/api/v1/problems/{p.pk}/transitions",
        {"action": "urge", "note": "三天未立案，请尽快处理"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["urge_count"] == 1 and r.json()["status"] == Status.REPORTED
    told = set(
        Notification.objects.filter(link=f"/problems/{p.pk}/", text__contains="督办").values_list(
            "user", flat=True
        )
    )
    assert {staff.pk, world.secretary_zhang.pk} <= told
    assert grid.pk not in told and world.street_chen.pk not in told
    # The page offers it, and the badge shows while the report waits.
    page = client_for(world.secretary_zhang).get(f"/problems/{p.pk}/").content.decode()
    assert "已督办1次" in page
    assert '<option value="urge"' in boss.get(f"/problems/{p.pk}/").content.decode()
    # Urging changes nothing of its lifecycle: 立案 follows as ever.
    act(world, world.secretary_zhang, p, "accept")
    assert Problem.objects.get(pk=p.pk).status == Status.ACCEPTED
