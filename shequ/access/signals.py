"""What signing in does besides letting the user in: connected in AccessConfig.ready, so
it holds however the first login comes (a test client signs in before any URL is loaded)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from shequ.access import audit
from shequ.access.scope import home_path
from shequ.core.middleware import SessionRefreshMiddleware


@receiver(user_logged_in, dispatch_uid="access.audit_login")
def _audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record(user, "auth.login", area_path=home_path(user), ip=audit.client_ip(request))
    # Signing in saves the session with its whole idle time: the next minute's requests
    # need not write it again (SessionRefreshMiddleware).
    request.session[SessionRefreshMiddleware.KEY] = int(time.time())
