"""API bearer tokens: issued after a password check, expire after idle time. And Open311
keys: issued by an operator, static until revoked, good for /open311/v2/ only."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone

from shequ.access import audit
from shequ.access.models import ApiToken, Open311Key, User
from shequ.access.scope import home_path, remember
from shequ.core import rawsql
from shequ.core.errors import DomainError

ABSOLUTE_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=60)


class LoginFailed(DomainError):
    status = 401

    def __init__(self, message: str = "用户名或密码错误", code: str = "login_failed") -> None:
        super().__init__(code, message)


STOPPED = "账号已停用，请联系社区或街道管理员"


def stopped_account(username: str, password: str) -> bool:
    """Whether a refused sign-in was a stopped account's, with its right password: told
    so (they took 用户名或密码错误 for a forgotten password and tried until locked). A
    wrong password says nothing of the account."""
    user = User.objects.filter(username=username or "", is_active=False).first()
    return user is not None and user.check_password(password or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def issue_token(request: Any, username: str, password: str) -> str:
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise LoginFailed(
            f"登录失败次数过多，账号已锁定{settings.AXES_COOLOFF_TIME * 60:.0f}分钟", "locked_out"
        )
    if user is None:
        if stopped_account(username, password):
            raise LoginFailed(STOPPED, "inactive")
        raise LoginFailed()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.create(
            user=user, digest=_digest(token), last_used_at=now, expires_at=now + ABSOLUTE_LIFETIME
        )
        audit.record(user, "auth.token", area_path=home_path(user), ip=audit.client_ip(request))
    return token


@functools.cache
def _token_sql() -> str:
    # Only names from the code and placeholders are formatted in; values are bound.
    return (
        f"SELECT {rawsql.columns(ApiToken, 't')}, {rawsql.columns(User, 'u')}, a.role, a.path "  # noqa: S608
        f"FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
        "LEFT JOIN access_roleassignment a ON a.user_id = u.id "
        "WHERE t.digest = %s"
    )


def _lookup(token: str) -> ApiToken | None:
    """The token's row with its user, and the user's role assignments (what nearly every
    call asks next; kept where ``scope.assignments`` looks first). Every API call starts
    here, so it is one hand-written SELECT (shequ.core.rawsql) instead of
    ``select_related("user").get()`` and a second query: the same rows and instances."""
    ((_, found),) = rawsql.run([(_token_sql(), [_digest(token)])])
    if not found:
        return None
    n, m = rawsql.width(ApiToken), rawsql.width(ApiToken) + rawsql.width(User)
    row = rawsql.load(ApiToken, found[0][:n])
    row.user = rawsql.load(User, found[0][n:m])
    remember(row.user, [(r[m], r[m + 1]) for r in found if r[m] is not None])
    return row


def user_for_token(token: str) -> User | None:
    row = _lookup(token)
    if row is None:
        return None
    if not row.user.is_active:
        return None
    now = timezone.now()
    idle = timedelta(seconds=settings.SESSION_IDLE_SECONDS)
    if now >= row.expires_at or now - row.last_used_at >= idle:
        row.delete()
        return None
    if now - row.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def user_for_open311_key(key: str) -> User | None:
    """The account an Open311 ``api_key`` acts as: a key not revoked, of an active user.
    Only this table is read, never ApiToken, so an API token is no api_key and (the API
    reading only ApiToken) a key no API token. Roles are read live on each call."""
    row = (
        Open311Key.objects.select_related("user").filter(digest=_digest(key), revoked_at__isnull=True).first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        Open311Key.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def login_or_token_required(view: Any) -> Any:
    """For the files the API links to (a problem's photos, a task's proofs and
    attachments): a signed-in page session, or the API's ``Authorization: Bearer`` token,
    so an app that shows a problem can show its photos. A bad token is a 401; no
    credentials at all, the sign-in page, as ``login_required``."""
    page_view = login_required(view)

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or request.user.is_authenticated:
            return page_view(request, *args, **kwargs)
        user = user_for_token(token.strip())
        if user is None:
            body = {"code": "unauthenticated", "message": "请先登录或提供有效的访问令牌", "fields": {}}
            return JsonResponse(body, status=401, json_dumps_params={"ensure_ascii": False})
        request.user = user
        return view(request, *args, **kwargs)

    return wrapped


def revoke_token(request: Any) -> None:
    """The caller's own token ends now (signing out of an app, a phone handed on)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        ApiToken.objects.filter(digest=_digest(token.strip())).delete()
