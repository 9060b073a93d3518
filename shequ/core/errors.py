"""Domain errors: a stable code, a Chinese message, and the fields at fault.

Services raise these; views and API handlers turn them into a page message or the JSON
error shape ``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(DomainError):
    """Input broke a rule; ``fields`` names each field and why."""

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        if message is None:
            message = "；".join(fields.values()) if fields else "提交的内容有误，请按提示修改"
        super().__init__("invalid", message, fields)


class Unavailable(ValidationFailed):
    """The server could not keep what was sent (disk full, the database busy beyond its
    wait): nothing was saved. A ValidationFailed, so a form comes back with what was typed
    and the message on the field at fault; the answer is 503, as the request may be sent
    again unchanged."""

    status = 503

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(fields, message)
        self.code = "unavailable"


class InvalidBody(ValidationFailed):
    """A request body no endpoint can read: not JSON (or nested deeper than the parser
    goes), nor a form. Said the same way by django-ninja's parsing and by the endpoints
    that read their body themselves."""

    def __init__(self) -> None:
        super().__init__(
            {"body": "不是有效的 JSON 或表单"},
            "请求体无法解析：请发送有效的 JSON（Content-Type: application/json），"
            "上传文件时用 multipart/form-data",
        )
        self.code = "invalid_body"


BUSY_MESSAGE = "系统繁忙，刚才的内容没有保存。请稍等片刻后重新提交"


@contextmanager
def busy_as_unavailable() -> Iterator[None]:
    """SQLite stayed locked past its wait (a long import holding the write lock): raised
    as ``Unavailable``, so a form that catches ``ValidationFailed`` comes back with what
    was typed and the busy message, instead of the bare error page the middleware gives."""
    try:
        yield
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        raise Unavailable({}, BUSY_MESSAGE) from exc


class NotFound(DomainError):
    """Missing and out of scope look the same, so ids cannot be probed."""

    status = 404

    def __init__(self, what: str = "记录") -> None:
        super().__init__("not_found", f"{what}不存在或无权查看")


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "没有权限进行此操作") -> None:
        super().__init__("forbidden", message)


class Conflict(DomainError):
    """The record changed since the page or request was prepared (another user acted):
    the message says what happened meanwhile."""

    status = 409

    def __init__(self, message: str, code: str = "changed") -> None:
        super().__init__(code, message, {"action": message})


class RateLimited(DomainError):
    status = 429

    def __init__(self, message: str) -> None:
        super().__init__("rate_limited", message)
