"""The background job of a registry import: a queue nobody works on is named as such, a
run queued behind another long job waits, and a superseded job does nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.people.models import Resident
from shequ.registry import services
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import HEADERS, rows_for, save
from shequ.registry.tests.test_import_pages import upload

pytestmark = pytest.mark.django_db


def _uploaded(world, tmp_path, name, start):
    client = Client()
    client.force_login(world.secretary_zhang)
    rows = rows_for(world, 2, start=start)
    upload(client, world.areas["A1"], save(tmp_path / name, {"居民": [HEADERS, *rows]}))
    run = ImportRun.objects.latest("id")
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    return client, run, fields, rows


def _busy_worker(started_ago):
    from django_tasks_db.models import DBTaskResult

    started = timezone.now() - started_ago
    return DBTaskResult.objects.create(
        status="RUNNING",
        started_at=started,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="shequ.problems.jobs.monthly_report",
        backend_name="default",
        run_after=started,
    )


def test_a_check_never_picked_up_says_the_worker_is_not_running(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """No worker ran: the dry run sat at 检查中 0% 排队中 for 30 minutes, then offered 重新检查,
    which queued another job that did not run either; nothing said the worker was down."""
    client, run, fields, _ = _uploaded(world, tmp_path, "noworker.xlsx", 43_000)
    with django_capture_on_commit_callbacks(execute=False):  # queued, and no worker takes it
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    url = f"/registry/import/{run.pk}/"
    page = client.get(url).content.decode()
    assert "排队中" in page and "后台任务没有运行" not in page  # a worker looks every second

    for when in (3, 31):  # before and after a started run would be called interrupted
        ImportRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(minutes=when))
        page = client.get(url).content.decode()
        assert "后台任务没有运行" in page and "shequ db_worker" in page and "docs/operations.md" in page
        assert "很久没有进展" not in page and "重新检查</button>" not in page
        assert "every 5s" in page  # it carries on by itself once a worker starts
        progress = client.get(f"/registry/import/{run.pk}/progress/?was=checking")
        assert "后台任务没有运行" in progress.content.decode() and "HX-Refresh" not in progress
    # Another check would only queue a second job for the same absent worker.
    r = client.post(url, fields)
    assert r.status_code == 400 and "这次导入正在进行" in r.content.decode()
    # An API client is told the same.
    assert client.get(f"/api/v1/registry/imports/{run.pk}").json()["queue_state"] == "no_worker"


def test_a_check_queued_behind_a_busy_worker_waits_and_is_not_called_interrupted(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """The one worker busy with a street's import for 40 minutes: the queued check was called
    interrupted ("很久没有进展") and invited a duplicate job."""
    client, run, fields, _ = _uploaded(world, tmp_path, "waiting.xlsx", 43_100)
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    busy = _busy_worker(timedelta(minutes=45))
    ImportRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(minutes=40))
    run.refresh_from_db()
    assert run.waiting and run.active and not run.stale and not run.no_worker
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "后台正在处理其他任务" in page and "没有中断" in page and "every 1s" in page
    assert "很久没有进展" not in page and "后台任务没有运行" not in page and "重新检查</button>" not in page

    # A job "running" for hours: the worker died in it, and none is running now.
    type(busy).objects.filter(pk=busy.pk).update(started_at=timezone.now() - timedelta(hours=3))
    assert run.no_worker and not run.waiting


def test_check_again_after_a_confirm_leaves_the_confirmed_import_undone(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """确认导入 queued, the page then offered 重新检查 and both jobs ran: the import wrote the
    residents and deleted the upload, and the check then failed the run with 无法读取这个
    Excel 文件 although the residents had been imported."""
    client, run, fields, _ = _uploaded(world, tmp_path, "twice.xlsx", 43_200)
    residents = Resident.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    assert run.status == "checked"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(f"/registry/import/{run.pk}/confirm/").status_code == 302
    # Its worker took the import, said how far it got, and was never heard of again.
    ImportRun.objects.filter(pk=run.pk).update(
        message="已检查 0/2 行", progressed_at=timezone.now() - timedelta(minutes=31)
    )
    assert "重新检查</button>" in client.get(f"/registry/import/{run.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    for job in [*queued, *again]:  # the import job comes out of the queue first
        job()
    run.refresh_from_db()
    assert run.status == "checked" and run.message == "检查通过，可以导入" and run.stored_file
    assert run.summary["new"] == 2
    assert Resident.objects.count() == residents  # nothing written: 确认导入 is asked again


def test_a_job_for_a_run_that_moved_on_does_nothing(world, tmp_path, django_capture_on_commit_callbacks):
    """A job runs only the run it was queued for, in the state it was queued for."""
    client, run, fields, _ = _uploaded(world, tmp_path, "moved.xlsx", 43_300)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    assert run.status == "checked" and run.job == 1
    before = ImportRun.objects.values().get(pk=run.pk)
    # The check's job again (a duplicate), and an import nobody confirmed.
    services.process(run.pk, commit=False, job=1)
    services.process(run.pk, commit=True, job=1)
    assert ImportRun.objects.values().get(pk=run.pk) == before


@pytest.fixture
def database_queue(settings):
    """The production queue (django_tasks_db): queued jobs are rows a worker takes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _run_by_the_worker(run):
    """One pass of `shequ db_worker` over this run's job: claim it, run it."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    (result,) = DBTaskResult.objects.filter(status="READY", args_kwargs__args__0=run.pk)
    result.claim("worker-1")
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="worker-1",
        excluded_queue_names=[],
    )
    worker.run_task(result)
    result.refresh_from_db()
    return result.status


def test_a_job_that_failed_before_taking_its_run_lets_the_run_be_checked_again(
    world, tmp_path, monkeypatch, database_queue, django_capture_on_commit_callbacks
):
    """The job's first write (taking the run) failed, database locked: the queue marked the
    job failed and does not retry it. The run stayed 排队中 for ever, the page said the
    worker was not running, and 重新检查 was refused."""
    from django.db import OperationalError
    from django.db.models.query import QuerySet

    client, run, fields, _ = _uploaded(world, tmp_path, "lost.xlsx", 43_400)
    with django_capture_on_commit_callbacks(execute=True):  # stored in the database queue
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    ImportRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(minutes=3))
    run.refresh_from_db()
    # Queued and nobody took it: the worker is not running (as before).
    assert run.no_worker and run.active

    real_update = QuerySet.update

    def locked(self, **kwargs):
        if kwargs.get("message") == "正在读取文件":
            raise OperationalError("database is locked")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", locked)
    assert _run_by_the_worker(run) == "FAILED"
    monkeypatch.setattr(QuerySet, "update", real_update)
    run.refresh_from_db()
    assert run.status == "checking" and run.message == "排队中"
    assert run.stale and not run.active and not run.no_worker and not run.waiting
    url = f"/registry/import/{run.pk}/"
    page = client.get(url).content.decode()
    assert "后台任务已中止，这次检查没有进行（没有写入任何数据），请重新检查" in page
    assert "后台任务没有运行" not in page and "重新检查</button>" in page and "hx-trigger" not in page
    api = client.get(f"/api/v1/registry/imports/{run.pk}").json()
    assert api["queue_state"] == "stale" and api["message"].startswith("后台任务已中止")

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, fields).status_code == 302
    run.refresh_from_db()
    assert run.job == 2 and run.active
    assert _run_by_the_worker(run) == "SUCCESSFUL"
    run.refresh_from_db()
    assert run.status == "checked" and run.summary["new"] == 2


def test_a_job_that_never_reached_the_queue_lets_the_run_be_checked_again(
    world, tmp_path, database_queue, django_capture_on_commit_callbacks
):
    """The enqueue after the commit failed: no job exists that could ever take the run."""
    client, run, fields, _ = _uploaded(world, tmp_path, "unqueued.xlsx", 43_500)
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    run.refresh_from_db()
    assert run.queued and run.active  # just queued: the enqueue follows the commit
    ImportRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(minutes=3))
    run.refresh_from_db()
    assert not run.active and not run.no_worker and run.stale
    r = client.post(f"/registry/import/{run.pk}/", fields)
    assert r.status_code == 302
