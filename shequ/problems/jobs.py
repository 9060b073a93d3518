"""Background jobs of the problem list, run by `shequ db_worker` (at once in tests)."""

from __future__ import annotations

from django_tasks import task

from shequ.problems.monthly import run_report


@task()
def monthly_report(run_id: int) -> None:
    run_report(run_id)
