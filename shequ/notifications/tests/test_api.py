"""The user's notifications through the API, as the inbox page shows them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.notifications.models import Notification
from shequ.notifications.services import notify
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_user_lists_their_own_notices_newest_first_with_the_unread_count(world):
    """An app had no way to show 站内通知: every step of a problem or a task told the
    user only on the web page."""
    wang, li = world.resident_wang, world.grid_worker_li
    Notification.objects.filter(user__in=[wang, li]).delete()
    notify([wang], "您上报的问题已立案", "/problems/1/")
    notify([wang, li], "第二条通知")
    notify([li], "只给李的通知")
    body = client_for(wang).get("/api/v1/notifications/").json()
    assert [n["text"] for n in body["items"]] == ["第二条通知", "您上报的问题已立案"]
    assert body["count"] == 2 and body["count_exact"] is True and body["unread"] == 2
    first = body["items"][1]
    assert first["link"] == "/problems/1/" and first["read_at"] is None and first["created_at"]


def test_a_notice_is_marked_read_one_by_one_or_all_at_once(world):
    wang = world.resident_wang
    Notification.objects.filter(user=wang).delete()
    notify([wang], "一")
    notify([wang], "二")
    notify([wang], "三")
    api = client_for(wang)
    newest = api.get("/api/v1/notifications/").json()["items"][0]
    r = api.post(f"/api/v1/notifications/{newest['id']}/read")
    assert r.status_code == 200 and r.json()["id"] == newest["id"] and r.json()["read_at"]
    again = api.post(f"/api/v1/notifications/{newest['id']}/read")
    assert again.json()["read_at"] == r.json()["read_at"]  # read once
    assert api.get("/api/v1/notifications/").json()["unread"] == 2
    r = api.post("/api/v1/notifications/read")
    assert r.status_code == 200 and r.json() == {"marked": 2, "unread": 0}
    assert not Notification.objects.filter(user=wang, read_at__isnull=True).exists()


def test_another_users_notice_is_not_found(world):
    notify([world.grid_worker_li], "李的通知")
    theirs = Notification.objects.filter(user=world.grid_worker_li).latest("id")
    api = client_for(world.resident_wang)
    for notice_id in (theirs.pk, 10**12):  # another's and a missing one look the same
        r = api.post(f"/api/v1/notifications/{notice_id}/read")
        assert r.status_code == 404 and r.json()["message"] == "通知不存在或无权查看", notice_id
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert theirs.pk not in {n["id"] for n in api.get("/api/v1/notifications/").json()["items"]}


def test_the_list_reads_a_fixed_number_of_queries(world):
    wang = world.resident_wang
    api = client_for(wang)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/notifications/").status_code == 200
        counts.append(len(queries))
        notify([wang], "又一条")
        notify([wang], "再一条")
    assert counts[0] == counts[1]
