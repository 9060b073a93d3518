"""The measures of how well problems are handled, over a period [start, end).

Each formula is written here once, and the same words appear in the monthly report and
in docs/problems.md:

- 应结案 (due to close): accepted problems whose 办理时限 falls in the period and has
  passed (a report made on the 23rd counts the deadlines up to that moment; a problem
  due on the 29th is not yet late, so it is not counted as not closed), and those
  escalated after their 办理时限 had passed in the period (escalating clears the time
  limit until the next level dispatches; the deadline missed still counts, and such a
  problem is never 按期结案).
- 结案 (closed): of those, the ones closed (结案) before the period ended.
- 按期结案 (closed on time): of those, the ones closed no later than their 办理时限.
- 结案率 = 结案 ÷ 应结案;  按期结案率 = 按期结案 ÷ 应结案.
- 返工率 = problems closed in the period that were sent back at least once at 核查 ÷
  problems closed in the period (a reopened problem's closing counts the 返工 of its own
  cycle only).
- 响应率 = problems reported in the period that got a triage answer (立案, 不予立案 or
  合并) within 24 hours ÷ 应响应: problems reported in the period whose 24 hours have
  passed, or that were answered already (one reported an hour before the report was
  made cannot have been answered late yet, so it is not counted as unanswered).
- 解决率 = problems closed in the period and rated "resolved" at 回访 ÷ those rated.
- 满意率 = problems closed in the period rated 4 or 5 stars ÷ those rated.
Every measure counts the problems and the closings undone by 重新打开 (ReopenedClosing),
each as it stood: reopening starts a new cycle with a fresh time limit, and the month the
closing was due and made in keeps counting it.
Rejected and merged problems are not due to close, except a merged one by a deadline it
had already missed (escalated late, then merged at the next level).
A rate with nothing to divide by is shown as "—", never as 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from shequ.problems.models import ReopenedClosing, Status

RESPONSE_HOURS = 24
CLOSED = (Status.CLOSED, Status.EVALUATED)


@dataclass
class Kpis:
    reported: int  # 应响应 (see the module's text), the 响应率's divisor
    responded: int
    due_to_close: int
    closed: int
    closed_on_time: int
    closed_in_period: int
    reworked: int
    rated: int
    resolved: int
    satisfied: int

    @staticmethod
    def rate(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def close_rate(self) -> Decimal | None:
        return self.rate(self.closed, self.due_to_close)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self.rate(self.closed_on_time, self.due_to_close)

    @property
    def rework_rate(self) -> Decimal | None:
        return self.rate(self.reworked, self.closed_in_period)

    @property
    def response_rate(self) -> Decimal | None:
        return self.rate(self.responded, self.reported)

    @property
    def resolve_rate(self) -> Decimal | None:
        return self.rate(self.resolved, self.rated)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return self.rate(self.satisfied, self.rated)

    def rows(self) -> list[tuple[str, str, str]]:
        """Each measure's name, its rate as text ("93.72%", or "—") and its formula."""
        return [
            (name, "—" if value is None else f"{value}%", formula) for name, value, formula in self.measures()
        ]

    def measures(self) -> list[tuple[str, Decimal | None, str]]:
        """``rows`` with each rate as the percentage itself (None: nothing to divide by)."""
        return [
            (
                "结案率",
                self.close_rate,
                f"结案 {self.closed} ÷ 应结案 {self.due_to_close}（本期办理时限已到的）",
            ),
            (
                "按期结案率",
                self.on_time_rate,
                f"按期结案 {self.closed_on_time} ÷ 应结案 {self.due_to_close}",
            ),
            (
                "返工率",
                self.rework_rate,
                f"本期结案中返工过的 {self.reworked} ÷ 本期结案 {self.closed_in_period}",
            ),
            (
                "响应率",
                self.response_rate,
                f"24小时内响应 {self.responded} ÷ 应响应 {self.reported}（本期上报、已满24小时或已响应的）",
            ),
            ("解决率", self.resolve_rate, f"回访已解决 {self.resolved} ÷ 回访 {self.rated}"),
            ("满意率", self.satisfaction_rate, f"4星及以上 {self.satisfied} ÷ 回访 {self.rated}"),
        ]


def compute(
    qs: Any, start: datetime, end: datetime, now: datetime | None = None, closings: Any = None
) -> Kpis:
    """KPIs of the problems in ``qs`` (already scoped) for the period [start, end), as
    they stand at ``now`` (default: the present).

    A 结案 undone by 重新打开 still counts where it was due and closed, from ``closings``
    (ReopenedClosing rows scoped as ``qs`` is; by default those of ``qs``'s problems,
    which suits small sets: a caller over a whole street passes its own, filtered by
    place, so that the few rows lead the query)."""
    if closings is None:
        closings = ReopenedClosing.objects.filter(problem__in=qs.values("pk"))
    due_by = min(end, now or timezone.now())
    fell_due = Q(due_at__gte=start, due_at__lt=due_by) | Q(missed_due_at__gte=start, missed_due_at__lt=due_by)
    closed_q = Q(closed_at__lt=end)
    on_time_q = Q(closed_at__lt=end, closed_at__lte=F("due_at"), missed_due_at__isnull=True)
    d = (
        qs.filter(fell_due)
        .exclude(status=Status.REJECTED)
        # A merged problem counts only by a deadline it had already missed (escalated
        # late, then merged at the next level): merging does not unmiss it.
        .exclude(status=Status.MERGED, missed_due_at__isnull=True)
        .aggregate(
            due_to_close=Count("id"),
            closed=Count("id", filter=closed_q & Q(status__in=CLOSED)),
            closed_on_time=Count("id", filter=on_time_q & Q(status__in=CLOSED)),
        )
    )
    undone = closings.filter(fell_due).aggregate(
        due_to_close=Count("id"),
        closed=Count("id", filter=closed_q),
        closed_on_time=Count("id", filter=on_time_q),
    )
    answered = Q(responded_at__lte=F("reported_at") + timedelta(hours=RESPONSE_HOURS))
    window_over = Q(reported_at__lte=(now or timezone.now()) - timedelta(hours=RESPONSE_HOURS))
    reported = qs.filter(reported_at__gte=start, reported_at__lt=end).aggregate(
        reported=Count("id", filter=window_over | answered),
        responded=Count("id", filter=answered),
    )
    closed_measures = {
        "closed_in_period": Count("id"),
        # Sent back in the cycle that closing ended: a reopened problem's earlier 返工
        # counted with the closing it undid.
        "reworked": Count("id", filter=Q(rework_count__gt=F("reworks_before"))),
        "rated": Count("id", filter=Q(satisfaction__isnull=False)),
        "resolved": Count("id", filter=Q(satisfaction__isnull=False, resolved=True)),
        "satisfied": Count("id", filter=Q(satisfaction__gte=4)),
    }
    in_period = Q(closed_at__gte=start, closed_at__lt=end)
    closed = qs.filter(in_period, status__in=CLOSED).aggregate(**closed_measures)
    closed_undone = closings.filter(in_period).aggregate(**closed_measures)
    return Kpis(
        reported=reported["reported"],
        responded=reported["responded"],
        due_to_close=d["due_to_close"] + undone["due_to_close"],
        closed=d["closed"] + undone["closed"],
        closed_on_time=d["closed_on_time"] + undone["closed_on_time"],
        **{name: closed[name] + closed_undone[name] for name in closed_measures},
    )
