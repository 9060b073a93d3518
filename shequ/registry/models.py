from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.access.querysets import ScopedQuerySet
from shequ.core.fields import ByteOrderCharField
from shequ.problems.models import worker_busy


class ColumnMapping(models.Model):
    """The column mapping a community last used: header text → field, remembered so the
    next file from the same community maps itself."""

    community = models.OneToOneField("areas.Area", on_delete=models.CASCADE, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.community_id}: {len(self.mapping)}"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("待确认列对应")
    CHECKING = "checking", _("检查中")
    REFUSED = "refused", _("有错误，未导入")
    CHECKED = "checked", _("检查通过，待导入")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("失败")


RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)
CHECKED_MESSAGE = "检查通过，可以导入"
# The message of a run whose job has not started yet; the job replaces it when it starts.
QUEUED_MESSAGE = "排队中"
# A running check or import reports progress every 2,000 rows; writing a checked file is
# one transaction. A run with no news for this long lost its worker (restart, crash):
# the page stops waiting and offers 重新检查 (the write was rolled back with the worker).
STALE_AFTER = timedelta(minutes=30)
# An idle worker looks for jobs every second: a job queued this long while no worker is
# busy was not picked up because no worker runs.
QUEUED_UNSTARTED_AFTER = timedelta(minutes=2)
# The job of a run, as the database queue stores it (args: run id, commit, job number).
JOB_PATH = "shequ.registry.jobs.process_import"


def _job_gone(run_id: int, job: int) -> bool:
    """The database queue holds no job for this run's job number that may still take it:
    none was stored (the enqueue after the commit failed), or it ended without taking the
    run (its first write failed: the queue marks it failed and does not retry it), or the
    worker died in it. With another queue backend this is not known here: False."""
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return False
    live = DBTaskResult.objects.filter(task_path=JOB_PATH, args_kwargs__args__0=run_id).filter(
        # A job takes its run as its first write, within seconds of starting.
        Q(status="READY") | Q(status="RUNNING", started_at__gte=timezone.now() - QUEUED_UNSTARTED_AFTER)
    )
    if job:  # jobs queued before jobs were numbered (job 0) carry no number
        live = live.filter(args_kwargs__args__2=job)
    return not live.exists()


class ImportRunQuerySet(ScopedQuerySet):
    view_permission = "registry.import"


class ImportRun(models.Model):
    """One uploaded register and what became of it: mapping, dry run, import. The page of
    a run can be left and opened again; a background job moves it on and records progress."""

    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = ByteOrderCharField(max_length=400)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_file = models.CharField(max_length=300)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # the first rows of the error report, for the page
    errors_file = models.CharField(max_length=300, blank=True)
    summary = models.JSONField(default=dict)  # new / changed / unchanged / moved ... counts
    changes = models.JSONField(default=list)  # the first changed residents: name, fields
    # What the check found each row would do, over which registered values (keyed digests,
    # ``importing.Plan.fingerprint``): the confirmed import writes nothing if that changed.
    checked_plan = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    progressed_at = models.DateTimeField(null=True, blank=True)  # the job's last news
    # The number of the job last queued for this run: an older job still in the queue was
    # superseded (重新检查 after a confirm) and does nothing when it runs.
    job = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["area_path", "id"])]

    def __str__(self) -> str:
        return f"{self.file_name} {self.status}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def queued(self) -> bool:
        """Checking or importing, but its job has not started yet."""
        return self.running and self.message == QUEUED_MESSAGE

    def _waited(self, limit: timedelta) -> bool:
        last = self.progressed_at or self.created_at
        return last is not None and timezone.now() - last > limit

    @property
    def lost(self) -> bool:
        """Queued, but the queue holds no job that will take it (``_job_gone``): it would
        stay 排队中 for ever. Nothing was written; 重新检查 queues a new job."""
        return self.queued and self._waited(QUEUED_UNSTARTED_AFTER) and _job_gone(self.pk, self.job)

    @property
    def stale(self) -> bool:
        """Started, but nothing heard from the job for STALE_AFTER: the worker died in it;
        or ``lost``. A job not started yet is otherwise not stale: see ``no_worker`` and
        ``waiting``."""
        if not self.running:
            return False
        return self.lost if self.queued else self._waited(STALE_AFTER)

    @property
    def no_worker(self) -> bool:
        """Queued, not started, and no worker busy with another job: no worker is running,
        and another 重新检查 would only queue another job that does not run either."""
        return self.queued and self._waited(QUEUED_UNSTARTED_AFTER) and not worker_busy() and not self.lost

    @property
    def waiting(self) -> bool:
        """Queued behind another long job of the worker (a street's import): it waits its
        turn, nothing was interrupted."""
        return self.queued and self._waited(QUEUED_UNSTARTED_AFTER) and worker_busy() and not self.lost

    @property
    def shown_message(self) -> str:
        """The message for the page and the API: a lost run is not 排队中."""
        if self.lost:
            what = "导入" if self.status == ImportStatus.IMPORTING else "检查"
            return f"后台任务已中止，这次{what}没有进行（没有写入任何数据），请重新检查"
        return self.message

    @property
    def checked_again(self) -> bool:
        """Confirmed, but checked again instead of imported (the registry had changed since
        the check): the message says why."""
        return self.status == ImportStatus.CHECKED and not self.message.startswith(CHECKED_MESSAGE)

    @property
    def active(self) -> bool:
        """Running and not stale: the page follows it, the mapping cannot change. A job
        still queued stays active with no worker too: it runs once a worker starts."""
        return self.running and not self.stale
