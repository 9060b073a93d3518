"""Turn a domain error raised under a page view into the page a user should see, and a
form sent after the session ended into a page that says it was not saved."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import DataError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import common
from django.shortcuts import render, resolve_url
from django.urls import is_valid_path
from django.utils.cache import add_never_cache_headers
from django.utils.encoding import escape_uri_path
from django.utils.http import url_has_allowed_host_and_scheme

from shequ.core.errors import BUSY_MESSAGE, DomainError, InvalidBody, Unavailable, ValidationFailed

HALF_PAIR = "包含无法识别的字符（不成对的 Unicode 代理项，常见于被截断的表情符号），请删去后重试"


NUL = "包含空字符（\\u0000），无法保存，请删去后重试"


def storable_json(raw: bytes) -> None:
    """Refuse a JSON body where a string holds half of a surrogate pair ("\\ud800", an
    emoji cut in two by a client) or a NUL ("\\u0000"): valid JSON, but no database can
    store the first and PostgreSQL not the second, so they failed at the INSERT (a server
    error, or a refusal naming the wrong reason). Bodies without such an escape are not
    parsed here."""
    lowered = raw.lower()
    if b"\\ud" not in lowered and b"\\u0000" not in lowered:
        return
    try:
        body = json.loads(raw)
    except ValueError:
        return  # said by the view, as ever
    except RecursionError:
        raise InvalidBody() from None  # nested past the parser's depth, as the view says

    def has_nul(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(has_nul(k) or has_nul(v) for k, v in value.items())
        return isinstance(value, list) and any(has_nul(v) for v in value)

    def fails(value: Any) -> str:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            return NUL if has_nul(value) else ""
        except UnicodeEncodeError:
            return HALF_PAIR
        except RecursionError:  # parsed just within the depth, written one call deeper
            raise InvalidBody() from None

    if fails(body):
        parts = body.items() if isinstance(body, dict) else [("body", body)]
        raise ValidationFailed({str(k)[:40]: fails(k) or fails(v) for k, v in parts if fails(k) or fails(v)})


def without_nul(request: HttpRequest) -> None:
    """A NUL pasted into a form field or a query (invisible, never meant) is dropped:
    PostgreSQL cannot store it, and the page answered with a refusal naming the wrong
    reason, the report typed lost. SQLite would have kept it, unseen."""
    for name in ("GET", "POST"):
        if name == "POST" and (
            request.method != "POST"
            or request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            continue
        data = getattr(request, name)
        if not any("\x00" in v for _, values in data.lists() for v in values):
            continue
        cleaned = data.copy()
        for key, values in data.lists():
            cleaned.setlist(key, [v.replace("\x00", "") for v in values])
        cleaned._mutable = False
        setattr(request, name, cleaned)


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that a write to an API address missing its final slash is not
    redirected: a client following the 301 sent a GET instead, read the list and took it
    for success, with nothing recorded. It is answered 404, naming the right address
    (``_api_error_shape``). Reads keep the redirect, which loses nothing."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.path.startswith("/api/") and request.method not in ("GET", "HEAD"):
            return False
        return bool(super().should_redirect_with_slash(request))


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        without_nul(request)
        if request.path.startswith("/api/") and request.content_type == "application/json":
            try:
                storable_json(request.body)
            except ValidationFailed as exc:
                return JsonResponse(
                    {"code": exc.code, "message": exc.message, "fields": exc.fields},
                    status=exc.status,
                    json_dumps_params={"ensure_ascii": False},
                )
        response = self.get_response(request)
        if request.path.startswith("/api/") and response.status_code in (404, 405):
            return _api_error_shape(request, response)
        if request.path.startswith("/open311/") and response.status_code in (404, 405):
            from shequ.problems.open311 import unrouted  # when needed: core imports no app at load

            return unrouted(request, response)
        if response.status_code in (403, 404) and getattr(request, "htmx", False):
            told_at_the_top(response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exc, OverflowError | DataError):
            # A number or a text the database cannot keep that no form check caught:
            # the user is told so instead of a server error.
            exc = ValidationFailed({}, "提交的数字太大或内容太长，超出了可以保存的范围，请修改后重试")
        elif isinstance(exc, OperationalError) and "locked" in str(exc):
            # SQLite stayed locked past its wait: said as such (503, send again), not as a
            # server error that may or may not have saved.
            exc = Unavailable({}, BUSY_MESSAGE)
        if not isinstance(exc, DomainError):
            return None
        template = "partials/error.html" if getattr(request, "htmx", False) else "error.html"
        return render(request, template, {"error": exc}, status=exc.status)


def told_at_the_top(response: HttpResponse) -> None:
    """A part of the page asked for in the background and refused 403 or 404 (查看完整 of a
    resident moved out of the worker's grid meanwhile, a page whose security token went
    stale, a poll of a report no longer theirs) showed nothing: htmx swapped no 4xx but
    those in base.html's list, and the button seemed dead. The message box is put in the
    notice at the top of the page, as the signed-out notice is: the asking element's own
    target (a table's rows, a form) is no place for it, and its hx-select (the task board's
    "main") would find nothing in it. A view that placed its answer itself is left alone."""
    if response.has_header("HX-Retarget"):
        return
    response["HX-Retarget"] = "#session-notice"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Reselect"] = ".error"  # the box alone, also out of a whole 404 page
    response["HX-Push-Url"] = "false"


def tile_source(url: str) -> str:
    """The CSP source a tile URL's images come from. Leaflet's subdomain placeholder
    (http://{s}.tiles.example/...) becomes a wildcard (*.tiles.example), which a policy
    allows only as the leftmost label; a URL without a scheme (//tiles.example/...) gives
    the host alone, which takes the page's scheme."""
    parts = urlsplit(url)
    host = parts.netloc
    if not host:
        return ""
    labels = host.split(".")
    if labels[0].startswith("{") and labels[0].endswith("}"):
        labels[0] = "*"
    host = ".".join(labels)
    if "{" in host or "}" in host:
        return ""  # a placeholder elsewhere in the host: no source can say it
    return f"{parts.scheme}://{host}" if parts.scheme else host


class NoStoreMiddleware:
    """Pages, API answers and downloads hold residents' personal data, and office PCs are
    shared: a page kept in the browser's cache came back with Back after its user signed
    out (Back and Forward show a cached copy, however old, unless told never to keep
    one), and a proxy could keep it for others. Every answer without a Cache-Control of
    its own view is marked ``no-store``. Static files are answered before this middleware
    and keep their long caching; a view that may be cached says so itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response


class ContentSecurityPolicyMiddleware:
    """Scripts only from the project's own static files (none inline: data reaches pages
    through json_script, which is never run), so a name that slipped into a page as HTML
    could not run as a script; images also from the intranet tile server, if set. Styles
    may be inline (Leaflet positions its layers with them)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        tile_origin = tile_source(settings.MAP_TILE_URL or "")
        tile_origin = f" {tile_origin}" if tile_origin else ""
        self.policy = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:{tile_origin}; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class SessionRefreshMiddleware:
    """Keep an idle session alive by writing it at most once a minute. Saving it on every
    request (SESSION_SAVE_EVERY_REQUEST) made every page view, and every htmx poll, a
    write transaction: on SQLite each took the database's one write lock from the reports
    and orders waiting for it. The idle limit is then kept to within a minute."""

    REFRESH_SECONDS = 60
    KEY = "_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or not session.session_key:
            return response  # nobody signed in: no session is made for them
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= self.REFRESH_SECONDS:
            session[self.KEY] = now  # modified: SessionMiddleware saves it, with a new expiry
        return response


class SignedOutMiddleware:
    """A form sent after the session ended (30 idle minutes: long enough to type a report
    and walk round taking its photos) was answered with the login page and then an empty
    form, as if it had been saved. Such a POST is told instead that nothing was saved and
    how to keep what was typed; an htmx request (the nearby hint, a search) sends the
    whole page to the login instead of swapping the login page into a part of it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302 or request.user.is_authenticated:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if not response.get("Location", "").startswith(login + "?"):
            return response
        query = request.META.get("QUERY_STRING", "")
        if request.method == "GET" and not getattr(request, "htmx", False) and not query.isascii():
            # An address sent with its query unencoded (a 编号 in full-width digits, as a
            # phone keyboard types it): Django's get_full_path() reads those bytes as Latin-1
            # and the next= it made sent the signed-in user to a garbled search. Made again
            # from the query as the page itself reads it.
            asked = f"{escape_uri_path(request.path)}?{request.GET.urlencode()}"
            response["Location"] = f"{login}?{urlencode({'next': asked}, safe='/')}"
            return response
        if getattr(request, "htmx", False):
            # A part of the page asked for in the background (the nearby hint as a pin is
            # placed, a search, the chips): sending the whole page to the login lost the
            # report being typed. The page stays; a notice at its top links to the login
            # in a new window, after which the form can be sent as it is.
            back = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
            told = render(
                request, "partials/signed_out_notice.html", {"login": f"{login}?{urlencode({'next': back})}"}
            )
            told["HX-Retarget"] = "#session-notice"
            told["HX-Reswap"] = "innerHTML"
            # The asking element's own hx-select (the task board's "main") would find
            # nothing in the notice, and its hx-push-url would show a filter not applied.
            told["HX-Reselect"] = ".signed-out"
            told["HX-Push-Url"] = "false"
            return told
        if request.method != "POST":
            return response
        back = url_has_allowed_host_and_scheme(
            request.headers.get("Referer", ""), allowed_hosts={request.get_host()}
        )
        page = request.headers.get("Referer", "") if back else ""
        # What was typed, to copy: Back lands on the login page once the session is gone.
        skip = {"csrfmiddlewaretoken", "password", "idempotency_key", "seen", "next"}
        values = (str(v).strip() for k, v in request.POST.items() if k not in skip)
        # A choice's code (blocked_drain) is not something typed.
        typed = [v for v in values if v and not _CODE.match(v)]
        return render(
            request,
            "signed_out.html",
            {"login": f"{login}?{urlencode({'next': urlsplit(page).path or request.path})}", "typed": typed},
            status=401,
        )


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
    elif not request.path_info.endswith("/") and is_valid_path(
        f"{request.path_info}/", getattr(request, "urlconf", None)
    ):  # a write without the final slash (CommonMiddleware redirects only reads)
        body = {
            "code": "not_found",
            "message": f"接口地址应为 {request.path[:200]}/（以 / 结尾）",
            "fields": {},
        }
    elif request.path_info.endswith("/") and is_valid_path(
        request.path_info[:-1], getattr(request, "urlconf", None)
    ):  # one record's address written as a list's (/problems/42/): it exists without the slash
        body = {
            "code": "not_found",
            "message": f"接口地址应为 {request.path[:-1][:200]}（结尾不带 /）",
            "fields": {},
        }
    else:
        body = {"code": "not_found", "message": f"接口 {request.path[:200]} 不存在", "fields": {}}
    shaped = JsonResponse(body, status=response.status_code, json_dumps_params={"ensure_ascii": False})
    if response.has_header("Allow"):
        shaped["Allow"] = response["Allow"]
    return shaped
