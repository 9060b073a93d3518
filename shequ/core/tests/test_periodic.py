"""`shequ periodic`: reminders, task list publishing and the nightly points check ran only
if the operator added cron lines; `make run` and the systemd units now run this loop."""

import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.core.management.commands import periodic

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def calls(monkeypatch):
    """Each job replaced by one that records its run."""
    seen: list[str] = []

    def fake(name):
        def run():
            seen.append(name)
            if name == "publish" and seen.count("publish") == 1:
                raise RuntimeError("database is locked")
            return 1, f"{name} done"

        return run

    jobs = tuple(replace(job, run=fake(job.name)) for job in periodic.JOBS)
    monkeypatch.setattr(periodic, "JOBS", jobs)
    return seen


def test_each_job_runs_at_its_time_and_a_failure_stops_no_other(calls, caplog):
    start = datetime(2026, 3, 9, 15, 0, tzinfo=SHANGHAI)
    due = periodic.first_due(start)
    with caplog.at_level(logging.ERROR):
        ran = periodic.run_due(due, start)
    # At the start: reminders, orders, follow-ups, expiries, 月报, publishing (which failed, logged) and
    # the clean-up of import files, not the nightly check.
    assert calls == ["remind", "orders", "follow_up", "expiry", "report_due", "publish", "purge"]
    assert [name for name, _, _ in ran] == ["remind", "orders", "follow_up", "expiry", "report_due", "purge"]
    assert "periodic job publish failed" in caplog.text
    assert periodic.run_due(due, start + timedelta(minutes=5)) == []
    periodic.run_due(due, start + timedelta(minutes=10))
    assert calls[7:] == ["remind", "orders"]
    periodic.run_due(due, start + timedelta(hours=1))
    # The failed publish is tried again an hour later.
    assert calls[9:] == ["remind", "orders", "follow_up", "expiry", "report_due", "publish", "purge"]
    assert due["reconcile"] == datetime(2026, 3, 10, 2, 30, tzinfo=SHANGHAI)
    periodic.run_due(due, datetime(2026, 3, 10, 2, 30, tzinfo=SHANGHAI))
    assert calls[16:] == [
        "remind",
        "orders",
        "follow_up",
        "expiry",
        "report_due",
        "publish",
        "purge",
        "reconcile",
    ]
    assert due["reconcile"] == datetime(2026, 3, 11, 2, 30, tzinfo=SHANGHAI)


def test_once_exits_with_a_failure_when_a_job_failed(calls, caplog):
    """`periodic --once` from cron logged a failed job's traceback and exited 0: a wrapper
    or monitor that goes by the exit status read the run as done."""
    out = StringIO()
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError) as failed:
        call_command("periodic", "--once", stdout=out)
    assert str(failed.value) == "定时任务 publish 运行失败，原因见上方日志；其余各项已运行"
    assert calls == ["remind", "orders", "follow_up", "expiry", "report_due", "publish", "purge", "reconcile"]
    assert "reconcile done" in out.getvalue()  # the others still ran and said so
    # Run again, the publish succeeds: status 0.
    call_command("periodic", "--once", "--job", "publish", stdout=StringIO())


@pytest.mark.django_db
def test_once_runs_the_real_jobs_and_says_what_they_did():
    out = StringIO()
    call_command("periodic", "--once", stdout=out)
    lines = out.getvalue().splitlines()
    # The counts are whatever the database holds (the suite shares it with other tests).
    patterns = [
        r"即将到期提醒 \d+ 件，超期提醒 \d+ 件",
        r"新订单待备货提醒 \d+ 条",
        r"回访提醒 \d+ 条",
        r"居住证、租期到期提醒 \d+ 条",
        r"月报报送提醒 \d+ 条",
        r"已发布 \d+ 份月度任务清单",
        r"已删除 \d+ 次居民导入留下的过期文件",
        r"积分核对：\d+ 个账户余额已修正，0 笔交易分录不平衡",
    ]
    assert len(lines) == 8 and all(re.fullmatch(p, line) for p, line in zip(patterns, lines, strict=True))
    # One job by name, for a cron line of its own (the purge had no command of its own).
    out = StringIO()
    call_command("periodic", "--once", "--job", "purge", stdout=out)
    assert re.fullmatch(r"已删除 \d+ 次居民导入留下的过期文件", out.getvalue().strip())
    with pytest.raises(CommandError, match="--job 只能与 --once 同用"):
        call_command("periodic", "--job", "purge")


@pytest.mark.django_db
def test_an_abandoned_register_upload_is_deleted_by_the_hourly_pass(world, settings, tmp_path):
    """Uploads left unfinished were deleted only when someone uploaded again (purge_files ran
    only in start_import), not 7 days later as docs/operations.md promised."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from shequ.registry import services
    from shequ.registry.models import ImportRun
    from shequ.registry.tests.helpers import HEADERS, rows_for, save

    settings.MEDIA_ROOT = tmp_path / "media"
    path = save(tmp_path / "名册.xlsx", {"居民": [HEADERS, *rows_for(world, 2, start=49_000)]})
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    run = services.start_import(world.secretary_zhang, world.areas["A1"].code, upload)
    stored = tmp_path / "media" / run.stored_file
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert stored.exists()
    ran = periodic.run_due(periodic.first_due(timezone.now()), timezone.now())
    assert [count >= 1 for name, count, _ in ran if name == "purge"] == [True]
    run.refresh_from_db()
    assert not stored.exists() and run.stored_file == ""
