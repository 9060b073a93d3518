"""The order lifecycle in one table: placed → packed → shipped → delivered, or cancelled
(with a refund and the stock returned) before it leaves the community. A shipped
order's courier and waybill number may be corrected (a typo at 发货) until it is
delivered: a step that keeps the status, as a problem's urge does."""

from __future__ import annotations

from shequ.access.roles import Permission as P
from shequ.core.lifecycle import Transition
from shequ.points.models import OrderStatus as S

OWNER = "owner"  # the resident who placed the order


TRANSITIONS: dict[str, Transition] = {
    "pack": Transition("备货", (S.PLACED,), S.PACKED, (P.STORE_MANAGE,)),
    "ship": Transition("发货", (S.PACKED,), S.SHIPPED, (P.STORE_MANAGE,)),
    "deliver": Transition("确认送达", (S.SHIPPED,), S.DELIVERED, (P.STORE_MANAGE, OWNER)),
    "correct_shipping": Transition("更正快递单号", (S.SHIPPED,), None, (P.STORE_MANAGE,)),
    "cancel": Transition("取消订单", (S.PLACED, S.PACKED), S.CANCELLED, (P.STORE_MANAGE, OWNER)),
}

STATUS_LABELS = dict(S.choices)


def allowed_from(status: str) -> list[str]:
    return [action for action, t in TRANSITIONS.items() if status in t.sources]
