"""Rules of issue 3 that no test pinned: each test here fails under a one-line change of
the rule it names (found by changing the code under test and seeing the suite pass)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.problems import kpi
from shequ.problems.ledgers import month_range
from shequ.problems.lifecycle import OWNER, STATUS_LABELS, TRANSITIONS
from shequ.problems.models import Problem, Status
from shequ.problems.selectors import Filters, nearby_open, problem_list
from shequ.problems.tests.helpers import act, grid_point, jpeg, report, verified
from shequ.problems.tests.test_kpi_ledgers_reports import bulk

pytestmark = pytest.mark.django_db


def test_satisfaction_and_resolve_and_rework_rates_on_known_rows(world):
    """满意率 counts 4 and 5 stars, 返工率 counts any rework: 10 closed in the month,
    ratings 5,5,4,4,3,3,2,1 (2 unrated), 3 of them reworked once → 满意率 4/8 = 50.00 %,
    返工率 3/10 = 30.00 %."""
    start, end = month_range("202610")
    due = start + timedelta(days=10)
    closed = due - timedelta(hours=1)
    for stars, rework in ((5, 1), (5, 0), (4, 1), (4, 0), (3, 1), (3, 0), (2, 0), (1, 0)):
        bulk(
            world,
            1,
            due=due,
            closed=closed,
            status=Status.EVALUATED,
            satisfaction=stars,
            resolved=stars >= 3,
            rework_count=rework,
        )
    bulk(world, 2, due=due, closed=closed)
    r = kpi.compute(Problem.objects.filter(area_path__startswith=world.areas["A1-1"].path), start, end)
    assert (r.rated, r.satisfied, r.satisfaction_rate) == (8, 4, Decimal("50.00"))
    assert (r.closed_in_period, r.reworked, r.rework_rate) == (10, 3, Decimal("30.00"))


def test_a_closing_after_the_month_is_not_counted_as_closed_in_it(world):
    """Due 11 Oct, closed 5 Nov: October's 应结案 counts it, its 结案 does not."""
    start, end = month_range("202610")
    bulk(world, 1, due=start + timedelta(days=10), closed=end + timedelta(days=4))
    r = kpi.compute(
        Problem.objects.filter(area_path__startswith=world.areas["A1-1"].path),
        start,
        end,
        now=end + timedelta(days=30),
    )
    assert (r.due_to_close, r.closed, r.closed_on_time) == (1, 0, 0)


def test_a_late_escalated_problem_closed_within_the_new_limit_is_never_on_time(world):
    staff = world.users["community_staff@A1"]
    p = report(world)
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    missed = timezone.now() - timedelta(days=2)
    Problem.objects.filter(pk=p.pk).update(due_at=missed)
    act(world, staff, Problem.objects.get(pk=p.pk), "escalate", note="本级无法解决")
    act(world, world.street_chen, p, "dispatch")  # the street dispatches: a fresh limit
    act(world, world.street_chen, p, "start")
    act(world, world.street_chen, p, "report_back", note="完成", photos=[jpeg()])
    p = act(world, world.secretary_zhang, p, "verify_pass")
    assert p.closed_at <= p.due_at  # within the new level's limit
    start, end = month_range(f"{timezone.localtime(missed):%Y%m}")
    r = kpi.compute(Problem.objects.filter(pk=p.pk), start, end, now=end)
    assert (r.due_to_close, r.closed_on_time) == (1, 0)


def test_the_overdue_filter_leaves_out_what_is_not_yet_due(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.due_at > timezone.now()
    listed = set(problem_list(world.secretary_zhang, Filters(overdue=True)).values_list("pk", flat=True))
    assert p.pk not in listed


def test_nothing_is_merged_into_a_rejected_or_merged_problem(world):
    dead = report(world)
    act(world, world.secretary_zhang, dead, "reject", note="不属于本社区事项")
    other = report(world, actor=world.users["resident@A1-1-h2"])
    with pytest.raises(ValidationFailed, match="已不予立案，不能作为合并目标"):
        act(world, world.secretary_zhang, other, "merge", into=dead.pk)


def test_a_problem_reported_more_than_30_days_ago_is_not_a_duplicate(world):
    """The duplicate check looks back 30 days (issue 3 §5)."""
    old = report(world)
    Problem.objects.filter(pk=old.pk).update(reported_at=timezone.now() - timedelta(days=31))
    lon, lat = grid_point(world)
    assert old.pk not in {p.pk for p in nearby_open(world.secretary_zhang, old.category.code, lon, lat)}


def test_a_rating_of_zero_stars_is_refused(world):
    p = verified(world)
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.resident_wang, p, "evaluate", resolved=True, satisfaction=0)
    assert set(exc.value.fields) == {"satisfaction"}


# Written out from issue 3's lifecycle, not read from the table under test.
LEGAL_FROM = {
    "accept": {"reported"},
    "reject": {"reported"},
    "merge": {"reported", "accepted"},
    "dispatch": {"accepted"},
    "start": {"dispatched"},
    "report_back": {"in_progress"},
    "verify_pass": {"reported_back"},
    "verify_fail": {"reported_back"},
    "evaluate": {"closed"},
    "reopen": {"closed", "evaluated"},
    "escalate": {"accepted", "dispatched", "in_progress"},
}
ILLEGAL = [(a, s) for a, legal in sorted(LEGAL_FROM.items()) for s in Status.values if s not in legal]


@pytest.mark.parametrize("action,status", ILLEGAL)
def test_every_action_is_refused_from_every_state_it_does_not_leave(world, action, status):
    p = report(world)
    Problem.objects.filter(pk=p.pk).update(status=status)
    actor = world.resident_wang if TRANSITIONS[action].permissions == (OWNER,) else world.street_chen
    with pytest.raises(ValidationFailed) as exc:
        act(world, actor, p, action, note="说明", into=p.pk, resolved=True, satisfaction=5, photos=[jpeg()])
    assert f"问题当前为“{STATUS_LABELS[status]}”，不能进行" in exc.value.fields["action"]


def test_a_duplicate_is_of_the_same_category(world):
    drain = report(world)
    lon, lat = grid_point(world)
    assert drain.pk not in {p.pk for p in nearby_open(world.secretary_zhang, "garbage", lon, lat)}
