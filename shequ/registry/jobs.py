"""Background jobs of the registry import, run by `shequ db_worker` (at once in tests)."""

from __future__ import annotations

from django_tasks import task

from shequ.registry import services


@task()
def process_import(run_id: int, commit: bool, job: int | None = None) -> None:
    # ``job`` is missing from jobs queued before jobs were numbered.
    services.process(run_id, commit=commit, job=job)
