from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shequ.access import audit
from shequ.access.models import User
from shequ.access.selectors import audit_events
from shequ.access.services import change_password
from shequ.access.tokens import STOPPED, stopped_account
from shequ.areas.models import Area
from shequ.core.days import day_typed
from shequ.core.errors import Forbidden, ValidationFailed
from shequ.core.pagination import CappedPaginator


def _limits() -> dict[str, int]:
    """The sign-in limits as this deployment sets them, for the page to state."""
    return {
        "idle_minutes": round(settings.SESSION_IDLE_SECONDS / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lock_minutes": round(settings.AXES_COOLOFF_TIME * 60),
    }


class LoginForm(AuthenticationForm):
    """The sign-in form; a stopped account given its right password is told so."""

    stopped = False

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if stopped_account(self.cleaned_data.get("username", ""), self.cleaned_data.get("password", "")):
                self.stopped = True
                raise forms.ValidationError(STOPPED, code="inactive") from None
            raise


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | _limits()


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """修改密码, for every signed-in account. This session stays signed in; others end
    (Django's session hash), and so do the account's API tokens."""
    user = request.user
    assert isinstance(user, User)  # login_required
    error = None
    done = False
    if request.method == "POST":
        post = request.POST
        try:
            change_password(
                user,
                post.get("old_password", ""),
                post.get("new_password1", ""),
                post.get("new_password2", ""),
                request=request,
            )
        except ValidationFailed as exc:
            error = exc
        else:
            update_session_auth_hash(request, user)
            done = True
    return render(
        request,
        "access/password_change.html",
        {"error": error, "done": done},
        status=error.status if error else 200,
    )


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    message = f"登录失败次数过多，该账号已锁定{minutes}分钟，请稍后再试或联系管理员。"
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"code": "locked_out", "message": message, "fields": {}}, status=429)
    return render(request, "access/login.html", {"locked_message": message, **_limits()}, status=429)


def _parse_day(raw: str, end: bool = False) -> datetime | None:
    day = day_typed(raw)  # 2026/11/22 or 2026年11月22日 too, where there is no picker
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    from shequ.access.roles import Permission
    from shequ.access.scope import staff_only

    # As the chain's check beside it: an empty log would read as "nothing recorded".
    staff_only(request.user, Permission.AUDIT_VIEW, "只有审计人员可以查看审计日志")
    g = request.GET
    filters = {
        "actor": g.get("actor", "").strip(),
        "event": g.get("event", "").strip(),
        "area": g.get("area", "").strip(),
        "since": g.get("since", "").strip(),
        "until": g.get("until", "").strip(),
    }
    errors = {}
    since = _parse_day(filters["since"]) if filters["since"] else None
    until = _parse_day(filters["until"], end=True) if filters["until"] else None
    if filters["since"] and since is None:
        errors["since"] = "开始日期格式应为 2026-11-22"
    if filters["until"] and until is None:
        errors["until"] = "结束日期格式应为 2026-11-22"
    if since and until and until < since:
        errors["until"] = "结束日期不能早于开始日期"
    if filters["area"] and not Area.objects.filter(code=filters["area"]).exists():
        # Named, not answered with "没有符合条件的记录" as if the place had no rows.
        errors["area"] = f"区域编码“{filters['area'][:30]}”不存在"
    events, event_names = audit_events(
        request.user,
        actor=filters["actor"],
        event=filters["event"],
        area=filters["area"],
        since=since,
        until=until,
    )
    if errors:
        # A filter not understood lists nothing: the whole log under the message was read
        # as the rows since the day typed.
        events = events.none()
    page = CappedPaginator(events, 50).get_page(g.get("page"))
    return render(
        request,
        "access/audit_log.html",
        {"page": page, "filters": filters, "errors": errors, "event_names": event_names},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    from shequ.access.roles import Permission
    from shequ.access.scope import has_anywhere

    if not has_anywhere(request.user, Permission.AUDIT_VIEW):
        raise Forbidden()
    report = audit.verify_chain()
    return render(request, "access/partials/chain_report.html", {"report": report})
