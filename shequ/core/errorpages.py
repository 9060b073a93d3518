"""What a user is told when a request is refused before any view of ours reads it: a
body Django will not parse (too large, too many fields or files), a form whose CSRF
token went stale. In Chinese, as a page, or under /api/ and /open311/ in their error shapes."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


def _answer(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/open311/"):
        from shequ.problems.open311 import refusal  # when needed: core imports no app at load

        return refusal(request, status, message)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": code, "message": message, "fields": {}},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    error = {"message": message, "fields": {}}
    # A part of the page asked for in the background gets the message box alone, which
    # DomainErrorMiddleware places at the top of the page.
    template = "partials/error.html" if getattr(request, "htmx", False) else "error.html"
    return render(request, template, {"error": error}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        message = f"提交的文字内容太多（超过 {limit:g} MB），请删减后重试"
    elif isinstance(exception, TooManyFilesSent):
        message = f"一次提交的文件太多（最多 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个），请分几次上传"
    elif isinstance(exception, TooManyFieldsSent):
        message = f"一次提交的项目太多（最多 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 项）"
    else:
        message = "请求无法处理，请检查填写的内容后重试"
    return _answer(request, 400, "bad_request", message)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: most often a page left open past a new sign-in elsewhere."""
    if settings.CSRF_COOKIE_SECURE and not request.is_secure():
        # A browser never keeps a secure cookie from a plain-HTTP page, so every form fails
        # here and refreshing cannot help: only the administrator can fix it.
        logger.warning(
            "CSRF failure on plain HTTP (%s): secure cookies need HTTPS. Serve the site over "
            "HTTPS; behind a proxy that ends HTTPS set SHEQU_PROXY_HTTPS=1 and X-Forwarded-Proto",
            request.path,
        )
        return _answer(
            request,
            403,
            "csrf_failed",
            "本系统必须通过 HTTPS 访问（安全 Cookie 无法在 http 下保存），请联系管理员。提交的内容没有保存",
        )
    if getattr(request, "htmx", False):  # the page is still there: nothing to go back to
        return _answer(
            request,
            403,
            "csrf_failed",
            "页面已过期（安全校验未通过），刚才的操作没有完成。请先复制本页填写的内容，刷新本页后重试",
        )
    return _answer(
        request,
        403,
        "csrf_failed",
        "页面已过期（安全校验未通过），提交的内容没有保存。请返回上一页，刷新后重新提交；"
        "返回时浏览器通常还保留着您填写的内容，可先复制下来",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a page that reads nothing (no context processors, no database: what
    failed may be the database), or under /api/ the API's error shape."""
    from django.template import loader

    if request.path.startswith("/open311/"):
        from shequ.problems.open311 import refusal

        return refusal(request, 500, "服务器出错，请求可能没有完成，请稍后重试")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "message": "服务器出错，请求可能没有完成，请稍后重试", "fields": {}},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponse(loader.get_template("500.html").render(), status=500)
