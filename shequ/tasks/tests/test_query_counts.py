"""List pages and API lists read a constant number of queries, whatever their length."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.notifications.models import Notification
from shequ.points.tests.helpers import fund, item, redeem
from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, prove

pytestmark = pytest.mark.django_db


def month_ahead(k):
    """The month ``k`` months after this one, as 202611."""
    today = timezone.localdate()
    year, month = divmod(today.month - 1 + k, 12)
    return f"{today.year + year}{month + 1:02d}"


def count(client, url):
    # A page marks the notices about it read (one more statement when there are some):
    # what is counted here is the list's reading.
    Notification.objects.filter(read_at__isnull=True).update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def grow(world, n):
    """n more tasks, each claimed and proved by the resident, n more orders, n more store
    items (the store reads each item's redemption window) and n more monthly lists."""
    rice = item(world, name=f"米{n}", price=1, stock=50, limit=50)
    for i in range(n):
        item(world, name=f"油{n}-{i}", price=1, stock=5)
        monthly = services.create_monthly_list(
            world.secretary_zhang, world.areas["A1"].code, month_ahead(n + i)
        )
        make_task(  # ends after its list's publish day (at most eight months ahead), within a year
            world,
            title=f"清单任务{n}-{i}",
            publish=False,
            monthly_list=monthly.pk,
            deadline=timezone.now() + timedelta(days=300),
        )
        task = make_task(world, title=f"任务{n}-{i}", places=3)
        claim = services.claim_task(world.users["resident@A1-1-h2"], task.pk)
        prove(world.users["resident@A1-1-h2"], claim)
        redeem(world.resident_wang, rice)


URLS_RESIDENT = [
    "/tasks/",
    "/api/v1/tasks/",
    "/points/",
    "/api/v1/points/entries",
    "/points/orders/",
    "/points/store/",
    "/api/v1/store/orders/",
]
URLS_CLAIMANT = ["/tasks/mine/", "/api/v1/claims/"]
URLS_STAFF = [
    "/tasks/",
    "/api/v1/tasks/",
    "/tasks/queue/",
    "/api/v1/claims/?queue=true",
    "/api/v1/monthly-lists/",
]
URLS_STORE = [
    "/points/fulfil/",
    "/api/v1/store/orders/?fulfil=true",
    "/points/catalogue/",
    "/api/v1/monthly-lists/",
]


@override_settings(TASK_OPEN_CLAIM_CAP=10)
def test_list_queries_do_not_grow_with_rows(world):
    fund(world, world.resident_wang, 500)
    clients = {}
    for key in ("resident@A1-1-h1", "resident@A1-1-h2", "grid_worker@A1-1", "community_staff@A1"):
        clients[key] = Client()
        clients[key].force_login(world.users[key])
    plan = [
        ("resident@A1-1-h1", URLS_RESIDENT),
        ("resident@A1-1-h2", URLS_CLAIMANT),
        ("grid_worker@A1-1", URLS_STAFF),
        ("community_staff@A1", URLS_STORE),
    ]
    grow(world, 1)
    before = {(k, u): count(clients[k], u) for k, urls in plan for u in urls}
    grow(world, 4)
    after = {(k, u): count(clients[k], u) for k, urls in plan for u in urls}
    assert after == before
