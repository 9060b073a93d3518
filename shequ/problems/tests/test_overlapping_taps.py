"""A second tap that overlaps the first (反馈处置结果 on a slow phone: the first request
commits while the second is still storing its photos) passes the checks before either
is written, then finds the problem moved under its lock. It was told "问题状态已被他人
更新", as if a colleague had acted, about the worker's own step. It is now said as a
second tap that comes after the first is: who took which step, and when."""

import pytest

from shequ.core.errors import Conflict
from shequ.problems import photos, selectors, services
from shequ.problems.models import Problem, ProblemEvent, ProblemPhoto
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def first_tap_lands_while_storing(monkeypatch, first):
    """``first`` runs (and commits) while the next request stores its photos."""
    store_all = photos.store_all
    pending = [first]

    def storing(prepared):
        if pending:
            pending.pop()()
        return store_all(prepared)

    monkeypatch.setattr(services.photos, "store_all", storing)


def in_hand(world):
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    return staff, p


@pytest.mark.parametrize("from_page", [True, False], ids=["page", "api"])
def test_an_overlapping_second_report_back_is_told_it_was_the_workers_own(world, monkeypatch, from_page):
    staff, p = in_hand(world)
    seen = selectors.version(p) if from_page else None
    form = {"note": "已疏通", "seen": seen}
    first = lambda: act(world, staff, p, "report_back", photos=[jpeg()], **form)  # noqa: E731
    first_tap_lands_while_storing(monkeypatch, first)
    with pytest.raises(Conflict, match="已由您本人于.*进行了“反馈处置结果”，现在为“已反馈”"):
        act(world, staff, p, "report_back", photos=[jpeg()], **form)
    assert ProblemEvent.objects.filter(problem=p, action="report_back").count() == 1
    assert ProblemPhoto.objects.filter(problem=p, kind="proof").count() == 1


def test_a_colleagues_overlapping_step_is_named(world):
    staff, p = in_hand(world)
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    seen = selectors.version(p)
    zhang, other = world.secretary_zhang, world.street_chen
    # The street's verifier passes it while the community's secretary sends it back with a photo.
    with pytest.MonkeyPatch.context() as mp:
        first_tap_lands_while_storing(mp, lambda: act(world, other, p, "verify_pass", seen=seen))
        with pytest.raises(Conflict, match=f"已由{other}于.*进行了“核查通过并结案”，现在为“已结案”"):
            act(world, zhang, p, "verify_fail", note="还在堵", photos=[jpeg()], seen=seen)
    assert Problem.objects.get(pk=p.pk).status == "closed"
