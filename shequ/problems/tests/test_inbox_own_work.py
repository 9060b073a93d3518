"""The inbox's 待核查 lists what waits on the viewer's check: never the work they reported
back themselves, which the rule keeps them from checking (the page offered them no 核查
on it, while the inbox said it was waiting for them)."""

import pytest

from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_work_one_reported_back_is_not_waiting_for_ones_own_check(world):
    staff = world.users["community_staff@A1"]
    p = report(world)  # 管道堵塞: community staff answer for it
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, staff, p, "start")
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    own = client_for(staff).get("/problems/inbox/").content.decode()
    assert "待核查" not in own and p.number not in own
    # Their secretary checks it: it waits on her.
    other = client_for(world.secretary_zhang).get("/problems/inbox/").content.decode()
    assert "<h2>待核查（1）</h2>" in other and p.number in other
