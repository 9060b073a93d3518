"""Send in-app notifications. Written in the caller's transaction, so a notice exists
exactly when the change it speaks of was committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from shequ.core import rawsql
from shequ.core.errors import NotFound
from shequ.notifications.models import Notification


def notify(users: Iterable[Any], text: str, link: str = "", *, skip: Any = None) -> int:
    """One notice to each of ``users`` (user objects or user ids), once each."""
    rows = notices(users, text, link, skip=skip)
    # One hand-written multi-row INSERT (shequ.core.rawsql): the same rows as
    # bulk_create, without its query building; notices are written on most hot paths.
    rawsql.insert_many(rows)
    return len(rows)


def notices(users: Iterable[Any], text: str, link: str = "", *, skip: Any = None) -> list[Notification]:
    """The unsaved notices ``notify`` writes, for a service that writes them itself in a
    batch of its statements (``rawsql.insert_many_statements``)."""
    seen: set[int] = set()
    rows = []
    for user in users:
        uid = user if isinstance(user, int) else getattr(user, "pk", None)
        if uid is None or uid in seen or (skip is not None and uid == skip.pk):
            continue
        seen.add(uid)
        rows.append(Notification(user_id=uid, text=text[:300], link=link))
    return rows


def notify_unheard(users: Iterable[Any], text: str, link: str, *, same_text: bool = False) -> int:
    """``notify`` those of ``users`` (user objects) who have no notice with ``link`` yet
    (with this ``text`` too, when ``same_text``: one link shared by many things): work
    told again to whoever took it over, not twice to who heard of it."""
    users = list(users)
    heard = Notification.objects.filter(user_id__in=[u.pk for u in users], link=link)
    if same_text:
        heard = heard.filter(text=text[:300])
    told = set(heard.values_list("user_id", flat=True))
    return notify([u for u in users if u.pk not in told], text, link)


def mark_all_read(user: Any, upto: int | None = None) -> int:
    """The user's unread notices marked read; with ``upto`` (the newest the page or the app
    listed), only those up to it: one that came after the list was shown stays unread, not
    marked read unseen."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if upto is not None:
        unread = unread.filter(pk__lte=upto)
    return unread.update(read_at=timezone.now())


def mark_page_read(request: Any) -> int:
    """The unread notices whose link is the page just opened, marked read: a handler who
    opened a problem from the board or 待办, not from the inbox, kept its notices unread,
    and a busy badge stayed at 99+. Looked for first, so a page with none writes nothing.
    A link to one tab of a page (月度任务清单's 待审批, ``?status=submitted``) is read
    when that tab is opened."""
    if request.method != "GET" or not getattr(request.user, "pk", None):
        return 0
    links = {request.path, request.get_full_path()}
    # A link to a part of the page (月报报送's ``#submissions``): the browser keeps the
    # fragment to itself, so the page opened is its link without it.
    at_part = Q()
    for link in links:
        at_part |= Q(link__startswith=f"{link}#")
    unread = Notification.objects.filter(
        Q(link__in=links) | at_part, user_id=request.user.pk, read_at__isnull=True
    )
    if not unread.exists():
        return 0
    return unread.update(read_at=timezone.now())


def mark_read(user: Any, notice_id: int) -> Notification:
    """One of the user's own notices, marked read (once: a second call keeps the first
    time). Anyone else's, or none, is the same NotFound."""
    notice = Notification.objects.filter(pk=notice_id, user_id=getattr(user, "pk", None) or 0).first()
    if notice is None:
        raise NotFound("通知")
    if notice.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now):
            notice.read_at = now
        else:  # read meanwhile (another device)
            notice.refresh_from_db(fields=["read_at"])
    return notice
