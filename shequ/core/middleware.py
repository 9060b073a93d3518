"""Turn a domain error raised under a page view into the page a user should see."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.errors import DomainError, ValidationFailed


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

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
