"""The monthly lists' notices (a list sent for approval, approved, returned) link to
月度任务清单, the sent-for-approval one to its 待审批 tab: an approver or a secretary who
opened the page from the menu rather than the inbox kept them unread, as problem, claim
and order pages no longer do; the tab's link, with its query, was never matched at all."""

import pytest

from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.tests.helpers import submitted_list
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_opening_the_review_tab_marks_the_approval_notice_read(world):
    submitted_list(world)
    told = Notification.objects.filter(link=services.REVIEW_LINK, read_at__isnull=True)
    first = told.first()
    assert first is not None  # the street's approvers were told
    approver = first.user
    other = Notification.objects.create(user=approver, text="测试：别的页面", link="/tasks/")

    r = client_for(approver).get("/tasks/monthly/", {"status": "submitted"})

    assert r.status_code == 200
    assert not told.filter(user=approver).exists()
    other.refresh_from_db()
    assert other.read_at is None  # only the notices about this page


def test_opening_the_lists_marks_their_notices_read(world):
    zhang = world.secretary_zhang
    notice = Notification.objects.create(user=zhang, text="测试：清单已审批", link=services.LISTS_LINK)

    assert client_for(zhang).get("/tasks/monthly/").status_code == 200

    notice.refresh_from_db()
    assert notice.read_at is not None
