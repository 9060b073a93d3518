"""A double tap of 审批通过 (or two approvers at once) on a monthly list: both passed the
checks before either was written, and the second was told "清单状态刚刚被他人改变", about
what may have been the approver's own first tap. The step that moved the list is named,
with who took it, as for a page opened before it; nothing is done twice."""

import pytest

from shequ.access.models import AuditEvent
from shequ.core.errors import Conflict
from shequ.tasks import services
from shequ.tasks.selectors import list_history
from shequ.tasks.tests.helpers import submitted_list

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("from_page", [True, False], ids=["page", "api"])
def test_an_overlapping_second_approval_names_the_first(world, monkeypatch, from_page):
    monthly = submitted_list(world)
    # The page's seen; an API client may send none.
    seen = len(list_history(world.street_chen, [monthly])[monthly.pk]) if from_page else None
    month_over = services.month_over
    first = [lambda: services.transition_list(world.street_chen, monthly.pk, "approve", seen=seen)]

    def checked_while_the_first_lands(found):
        if first:
            first.pop()()
        return month_over(found)

    monkeypatch.setattr(services, "month_over", checked_while_the_first_lands)
    with pytest.raises(Conflict, match=f"已由{world.street_chen}于.*审批通过"):
        services.transition_list(world.street_chen, monthly.pk, "approve", seen=seen)
    approvals = AuditEvent.objects.filter(event="task.list_approve", object_id=str(monthly.pk))
    assert approvals.count() == 1
