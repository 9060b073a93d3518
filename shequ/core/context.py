from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation bar may show: computed from permissions, not role names."""
    from shequ.access.roles import Permission
    from shequ.access.scope import assignments, has_anywhere

    # Outside production the keys that encrypt ID numbers and phones are the development
    # ones printed in the repository: every page says so, so that a server started without
    # SHEQU_ENV=production is not filled with real residents unnoticed.
    # With a field key of the operator's own, the banner no longer says the public one.
    trial = (
        {}
        if settings.PRODUCTION
        else {"trial_env": settings.SHEQU_ENV, "trial_dev_key": not settings.FIELD_KEY}
    )
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return trial
    from shequ.notifications.selectors import unread_badge
    from shequ.points.selectors import may_hold_points

    # A staff login linked to its owner's registry record claims the public tasks where
    # they live, as any resident (tasks.selectors.resident_communities), and earns points
    # of their own: their claims, points and the store are theirs to reach too.
    claims = has_anywhere(user, Permission.TASK_CLAIM) or bool(
        getattr(user, "resident_id", None) and assignments(user)
    )
    if not claims and assignments(user):
        # A staff login of another community that reports to this one as a party member
        # (双报到) claims its public tasks and holds points there.
        from shequ.party.selectors import reporting_communities

        claims = bool(reporting_communities(user))
    return {
        **trial,
        "nav": {
            "residents": has_anywhere(user, Permission.RESIDENT_VIEW),
            "audit": has_anywhere(user, Permission.AUDIT_VIEW),
            "areas": has_anywhere(user, Permission.AREA_VIEW),
            "problems": has_anywhere(user, Permission.PROBLEM_VIEW),
            "handle": has_anywhere(user, Permission.PROBLEM_HANDLE),
            # 台账 and 月报 (a grid worker sees problems but keeps neither).
            "problem_export": has_anywhere(user, Permission.PROBLEM_EXPORT),
            "report": has_anywhere(user, Permission.PROBLEM_REPORT),
            "tasks_staff": has_anywhere(user, Permission.TASK_VIEW),
            "tasks_claim": claims,
            # 积分兑换 for those who can hold personal points: a partner unit's login
            # claims tasks for its unit, whose points are not spent in the store.
            "store": claims and may_hold_points(user),
            "tasks_accept": has_anywhere(user, Permission.TASK_ACCEPT),
            "store_staff": has_anywhere(user, Permission.STORE_MANAGE),
            # 积分账户 and 排名 for whoever reads points: an auditor has no other way in
            # (store staff also reach them from 兑换订单).
            "points_staff": has_anywhere(user, Permission.POINTS_VIEW),
            "registry_import": has_anywhere(user, Permission.REGISTRY_IMPORT),
            "registry_export": has_anywhere(user, Permission.REGISTRY_EXPORT),
            "visits": has_anywhere(user, Permission.VISIT_RECORD),
            "floating": has_anywhere(user, Permission.FLOATING_MANAGE),
            "care": has_anywhere(user, Permission.CARE_MANAGE),
            "unread": unread_badge(user),
        },
        # The longest side a photo is kept at: photos.js makes photos that small before sending.
        "photo_side": settings.PHOTO_MAX_SIDE,
    }
