"""A resident's 任务大厅 lists what was published last first. The month's routine tasks are
drafted in the days before their list is approved and go out together on its publish
day; listed by when each was drafted, they came out below the ad-hoc tasks published in
the meantime, a page down on a phone, on the very day the community announced them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_task_published_last_comes_first_on_the_residents_board(world, monkeypatch):
    start = timezone.now()
    due = start + timedelta(days=7)
    # Given a routine task drafted a week ago, and an ad-hoc one drafted and published since
    monkeypatch.setattr(timezone, "now", lambda: start - timedelta(days=7))
    routine = make_task(world, title="每月楼道消防通道清理", publish=False, deadline=due)
    monkeypatch.setattr(timezone, "now", lambda: start - timedelta(days=2))
    ad_hoc = make_task(world, title="临时搬运捐赠物资", deadline=due)
    # When the routine task goes out today
    monkeypatch.setattr(timezone, "now", lambda: start)
    services.transition_task(world.secretary_zhang, routine.pk, "publish")

    # Then it heads the resident's board, on the page and through the API
    page = client_for(world.resident_wang).get("/tasks/").content.decode()
    assert page.index(f"/tasks/{routine.pk}/") < page.index(f"/tasks/{ad_hoc.pk}/")
    rows = client_for(world.resident_wang).get("/api/v1/tasks/").json()["items"]
    ids = [row["id"] for row in rows]
    assert ids.index(routine.pk) < ids.index(ad_hoc.pk)
