"""关注 tapped on a problem the duplicate hint had shown, merged or closed meanwhile:
the resident was told 问题不存在或无权查看, as if they had done something wrong. They are
told what happened to it; one they could never have followed is still the same 404."""

import pytest

from shequ.problems.tests.helpers import act, grid_point, report, verified
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _follow(world, user, problem):
    lon, lat = grid_point(world)
    place = {"lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}
    return client_for(user).post(f"/problems/{problem.pk}/follow/", place)


def test_following_a_closed_problem_says_it_was_closed(world):
    p = verified(world)
    r = _follow(world, world.users["resident@A1-1-h2"], p)
    assert r.status_code == 409 and "已经办结，不能再关注" in r.content.decode()


def test_following_a_merged_problem_names_the_one_it_went_into(world):
    staff = world.users["community_staff@A1"]
    first, second = report(world), report(world)
    act(world, staff, second, "merge", into=first.pk)
    r = _follow(world, world.users["resident@A1-1-h2"], second)
    assert r.status_code == 409 and f"已合并到编号 {first.number}" in r.content.decode()


def test_a_closed_problem_elsewhere_is_still_not_found(world):
    p = verified(world)
    r = _follow(world, world.outsider_zhao, p)  # another street's: never theirs to follow
    assert r.status_code == 404
    assert "办结" not in r.content.decode()
