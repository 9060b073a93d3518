"""派遣 to a department without its name is refused on 责任单位, a field inside the page's
folded 改派 part: the page came back with that part still folded, the field and its
message out of sight."""

import pytest

from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_field_refused_at_dispatch_is_shown_unfolded(world):
    p = report(world, category="river_management", description="河道垃圾堆积发臭")
    act(world, world.street_chen, p, "accept")
    r = client_for(world.street_chen).post(f"/problems/{p.pk}/act/", {"action": "dispatch"})
    body = r.content.decode()
    assert r.status_code == 400 and "派遣到职能部门时请填写部门或共建单位名称" in body
    assert "<details open>" in body
