"""Background jobs of points and the task list, run by `shequ db_worker` (at once in tests)
or from cron through `shequ points reconcile|publish`."""

from __future__ import annotations

from django_tasks import task

from shequ.points.services import reconcile
from shequ.tasks.services import publish_due_lists


@task()
def reconcile_balances() -> int:
    """Repair cached balances that differ from the sum of their entries; how many did."""
    return len(reconcile())


@task()
def publish_monthly_lists() -> int:
    return publish_due_lists()
