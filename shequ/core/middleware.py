"""Turn a domain error raised under a page view into the page a user should see."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from shequ.core.errors import DomainError, ValidationFailed


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and response.status_code in (404, 405):
            return _api_error_shape(request, response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exc, OverflowError | DataError):
            # A number or a text the database cannot keep that no form check caught:
            # the user is told so instead of a server error.
            exc = ValidationFailed({}, "提交的数字太大或内容太长，超出了可以保存的范围，请修改后重试")
        if not isinstance(exc, DomainError):
            return None
        template = "partials/error.html" if getattr(request, "htmx", False) else "error.html"
        return render(request, template, {"error": exc}, status=exc.status)


def _api_error_shape(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An unknown address under /api/ (Django's HTML 404 page) or a method the endpoint
    does not take (django-ninja's plain "Method not allowed") in the API's error shape,
    ``{"code", "message", "fields"}``, like every other API error."""
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        body = {
            "code": "method_not_allowed",
            "message": f"该接口不支持 {request.method} 请求" + (f"，可用：{allowed}" if allowed else ""),
            "fields": {},
        }
    else:
        body = {"code": "not_found", "message": f"接口 {request.path[:200]} 不存在", "fields": {}}
    shaped = JsonResponse(body, status=response.status_code, json_dumps_params={"ensure_ascii": False})
    if response.has_header("Allow"):
        shaped["Allow"] = response["Allow"]
    return shaped
