"""The task, claim and monthly-list lifecycles, one table each. Every transition goes
through one service function that checks its table and writes the timeline row."""

from __future__ import annotations

from shequ.access.roles import Permission as P
from shequ.core.lifecycle import Transition
from shequ.tasks.models import ClaimStatus as C
from shequ.tasks.models import ListStatus as L
from shequ.tasks.models import TaskStatus as T

CLAIMANT = "claimant"  # the person who took the claim


TASK_TRANSITIONS: dict[str, Transition] = {
    "publish": Transition("发布", (T.DRAFT, T.SCHEDULED), T.PUBLISHED, (P.TASK_MANAGE,)),
    # Ending a task withdraws every claim without proof waiting: a reason, told to them.
    "close": Transition("结束任务", (T.PUBLISHED,), T.CLOSED, (P.TASK_MANAGE,), note_required=True),
    "cancel": Transition(
        "取消任务", (T.DRAFT, T.SCHEDULED), T.CANCELLED, (P.TASK_MANAGE,), note_required=True
    ),
}

CLAIM_TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("提交完成凭证", (C.CLAIMED, C.RETURNED), C.SUBMITTED, (CLAIMANT,)),
    "accept": Transition("验收通过", (C.SUBMITTED,), C.ACCEPTED, (P.TASK_ACCEPT,)),
    "return": Transition("退回", (C.SUBMITTED,), C.RETURNED, (P.TASK_ACCEPT,), note_required=True),
    "withdraw": Transition("撤回接单", (C.CLAIMED, C.RETURNED), C.WITHDRAWN, (CLAIMANT,)),
    # A claimant who went quiet held a place until the whole task was ended: the task's
    # managers free it, with a reason told to them; a proof waiting is reviewed instead.
    "release": Transition(
        "释放名额", (C.CLAIMED, C.RETURNED), C.WITHDRAWN, (P.TASK_MANAGE,), note_required=True
    ),
}

LIST_TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("报街道审批", (L.DRAFT,), L.SUBMITTED, (P.TASK_MANAGE,)),
    "approve": Transition("审批通过", (L.SUBMITTED,), L.APPROVED, (P.TASK_APPROVE,)),
    "return": Transition("退回修改", (L.SUBMITTED,), L.DRAFT, (P.TASK_APPROVE,), note_required=True),
    "publish": Transition("发布", (L.APPROVED,), L.PUBLISHED, (P.TASK_MANAGE, P.TASK_APPROVE)),
}


def allowed(table: dict[str, Transition], status: str) -> list[str]:
    return [action for action, t in table.items() if status in t.sources]
