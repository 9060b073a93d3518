"""The JSON API's shared pieces: authentication and the one error shape."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from shequ.core.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from shequ.access.tokens import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), django_auth]

_MESSAGES = {
    "missing": "必填",
    "int_parsing": "必须是整数",
    "string_type": "必须是文本",
    "int_type": "必须是整数",
    "json_invalid": "不是有效的 JSON",
    "enum": "不在可选范围内",
    "literal_error": "不在可选范围内",
    "string_too_long": "太长",
    "string_too_short": "太短",
}


def _field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        name = ".".join(loc) or "body"
        fields[name] = _MESSAGES.get(err.get("type", ""), "格式不正确")
    return fields


def error(
    request: HttpRequest,
    api: NinjaAPI,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error(request, api, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = _field_errors(list(exc.errors))
        message = "；".join(f"{k}：{v}" for k, v in fields.items())
        return error(request, api, 422, "invalid", f"请求参数有误：{message}", fields)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(request, api, 401, "unauthenticated", "请先登录或提供有效的访问令牌")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error(request, api, 404, "not_found", "记录不存在或无权查看")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error(request, api, exc.status_code, "error", str(exc))
