"""回访评价 is what the resident (or a verifier's return visit) says of the work: the grid
worker who reported a problem (巡查, 代报) and then did the work and reported it back was
offered to rate it, and their five stars counted in 解决率 and 满意率."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.problems.selectors import actions_for
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def test_who_reported_the_work_done_does_not_rate_it(world):
    li, zhang = world.grid_worker_li, world.secretary_zhang
    p = report(world, li, category="garbage", source="patrol", description="巡查发现垃圾堆放")
    act(world, zhang, p, "accept")
    act(world, zhang, p, "dispatch")
    act(world, li, p, "start")
    act(world, li, p, "report_back", note="已清运", photos=[jpeg()])
    p = act(world, zhang, p, "verify_pass")
    assert "evaluate" not in [a for a, _ in actions_for(li, p)]
    with pytest.raises(ValidationFailed, match="不能由反馈处置结果的人"):
        act(world, li, p, "evaluate", resolved=True, satisfaction=5)
    # A verifier's return visit still records it.
    p = act(world, zhang, p, "evaluate", resolved=True, satisfaction=4)
    assert (p.status, p.satisfaction) == ("evaluated", 4)
