"""Idempotency keys: a form or client sends one with each create, and a repeat of the same
request is answered with what the first one made. A key is kept whole (a longer one is
refused, not cut, or two keys sharing 80 characters would be one), and a key sent again
with other content is refused naming what it made: answering with the first record would
drop the second request without a word (a form brought back by the Back button and filled
in anew, a client reusing its keys)."""

from __future__ import annotations

from shequ.core.errors import ValidationFailed

MAX_LENGTH = 80


def checked_key(raw: str | None) -> str:
    key = (raw or "").strip()
    if len(key) > MAX_LENGTH:
        raise ValidationFailed({"idempotency_key": f"请求编号（Idempotency-Key）不能超过{MAX_LENGTH}个字符"})
    return key


def reused(made: str) -> ValidationFailed:
    """The refusal for a key already spent on ``made`` (e.g. "订单 #12：大米×1")."""
    return ValidationFailed(
        {
            "idempotency_key": f"这张表单（请求编号）已经提交过，记录为{made}；现在提交的内容不同。"
            "如要再提交一次，请刷新页面后重新填写（接口请换一个 Idempotency-Key）"
        }
    )
