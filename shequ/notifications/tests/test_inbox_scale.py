"""A busy user's notices: the inbox reads a page from the (user, id) index instead of
sorting every notice they have, and the badge counts at most 99 unread ("99+")."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.notifications import selectors
from shequ.notifications.models import Notification
from shequ.notifications.services import notify
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def unread(user, n):
    Notification.objects.filter(user=user).delete()
    for i in range(n):
        notify([user], f"第{i + 1}条通知")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="no PostgreSQL server to check its plan against")
def test_the_inbox_page_is_read_from_the_user_recent_index_without_a_sort(world):
    """With (user, read_at) only, a page sorted all the user's notices in a temporary
    B-tree (132 ms for a staff member with 300,000)."""
    li = world.grid_worker_li
    unread(li, 3)
    client = Client()
    client.force_login(li)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/notifications/").status_code == 200
    pages = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "notifications_notification"' in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert len(pages) == 1, pages
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {pages[0]}")
        details = [str(row[3]) for row in cursor.fetchall()]
    assert any("notice_recent_idx" in d for d in details), details
    assert not any("TEMP B-TREE" in d for d in details), details


@pytest.mark.parametrize(("count", "badge"), [(1, "1"), (99, "99"), (100, "99+"), (150, "99+")])
def test_the_badge_shows_the_exact_number_to_99_then_99_plus(world, count, badge):
    li = world.grid_worker_li
    unread(li, count)
    client = Client()
    client.force_login(li)
    page = client.get("/notifications/").content.decode()
    assert f'通知<span class="badge">{badge}</span>' in page
    assert selectors.unread_count(li) == (min(count, 99), count <= 99)


def test_no_badge_when_all_is_read(world):
    li = world.grid_worker_li
    unread(li, 2)
    Notification.objects.filter(user=li).update(read_at="2026-11-24T08:00:00+08:00")
    client = Client()
    client.force_login(li)
    assert 'class="badge"' not in client.get("/notifications/").content.decode()


def test_the_api_counts_unread_to_99_and_says_when_there_are_more(world):
    li = world.grid_worker_li
    unread(li, 120)
    body = client_for(li).get("/api/v1/notifications/").json()
    assert body["unread"] == 99 and body["unread_exact"] is False
    assert body["count"] == 120 and len(body["items"]) == 30 and body["items"][0]["text"] == "第120条通知"
    Notification.objects.filter(pk__in=[n["id"] for n in body["items"]]).update(
        read_at="2026-11-24T08:00:00+08:00"
    )
    body = client_for(li).get("/api/v1/notifications/").json()
    assert body["unread"] == 90 and body["unread_exact"] is True
