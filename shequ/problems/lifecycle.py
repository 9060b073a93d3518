"""The problem lifecycle, in one table: which action moves a problem from which states
to which, and what the actor must hold. Every transition goes through
``services.transition``, which checks this table and writes the timeline row."""

from __future__ import annotations

from shequ.access.roles import Permission as P
from shequ.core.lifecycle import Transition
from shequ.problems.models import Status as S

OWNER = "owner"  # the reporter (or a follower) of the problem


OPEN = (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.REPORTED_BACK)

TRANSITIONS: dict[str, Transition] = {
    "accept": Transition("立案", (S.REPORTED,), S.ACCEPTED, (P.PROBLEM_TRIAGE,)),
    "reject": Transition("不予立案", (S.REPORTED,), S.REJECTED, (P.PROBLEM_TRIAGE,), note_required=True),
    "merge": Transition("合并为重复问题", (S.REPORTED, S.ACCEPTED), S.MERGED, (P.PROBLEM_TRIAGE,)),
    "dispatch": Transition("派遣", (S.ACCEPTED,), S.DISPATCHED, (P.PROBLEM_TRIAGE,)),
    "start": Transition("开始处置", (S.DISPATCHED,), S.IN_PROGRESS, (P.PROBLEM_HANDLE,)),
    "report_back": Transition("反馈处置结果", (S.IN_PROGRESS,), S.REPORTED_BACK, (P.PROBLEM_HANDLE,)),
    "verify_pass": Transition("核查通过并结案", (S.REPORTED_BACK,), S.CLOSED, (P.PROBLEM_VERIFY,)),
    "verify_fail": Transition(
        "核查不通过（返工）", (S.REPORTED_BACK,), S.IN_PROGRESS, (P.PROBLEM_VERIFY,), note_required=True
    ),
    "evaluate": Transition("回访评价", (S.CLOSED,), S.EVALUATED, (OWNER, P.PROBLEM_VERIFY)),
    "reopen": Transition("重新打开", (S.CLOSED, S.EVALUATED), S.IN_PROGRESS, (OWNER,), note_required=True),
    "escalate": Transition(
        "上报上一级",
        (S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS),
        S.ACCEPTED,
        (P.PROBLEM_HANDLE, P.PROBLEM_TRIAGE),
        note_required=True,
    ),
    # Any problem in hand, from 已上报: a report nobody has answered is what a street most
    # often chases (the 响应率 counts it).
    "urge": Transition("督办", (S.REPORTED, *OPEN), None, (P.PROBLEM_URGE,)),
}

STATUS_LABELS = dict(S.choices)


def allowed_from(status: str) -> list[str]:
    return [action for action, t in TRANSITIONS.items() if status in t.sources]
