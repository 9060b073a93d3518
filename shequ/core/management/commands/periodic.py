"""`shequ periodic`: the timed work, in one long-running process beside gunicorn and
`shequ db_worker` (`make run` starts all three; docs/operations.md has systemd units).
Nothing else runs it: without this process (or cron lines) due reminders were never sent
and approved monthly task lists never published.

- remind: due-soon and overdue problem notices, every 10 minutes (from the start);
- orders: new store orders waiting to be packed, told to the store's staff, every 10
  minutes (from the start);
- follow_up: 走访 whose 回访日期 has come, told to the visitor, every hour (from the start);
- expiry: 居住证 and 租期 of floating residents ending within 7 days, told to those who
  manage them there, every hour (from the start);
- report_due: communities that have not sent the month's 月报 to the street, told from
  the 20th, and again once it is late, every hour (from the start);
- publish: approved monthly task lists whose day has come, every hour (from the start);
- purge: registry uploads and error reports past their keeping time, every hour (from the
  start): without it an abandoned upload (full ID numbers) stayed until the next upload;
- reconcile: cached points balances against their entries, nightly at 02:30.

Each job is idempotent, so a restart that runs one again early does no harm."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from shequ.people.services import send_expiry_reminders, send_follow_up_reminders
from shequ.points.services import reconcile, send_order_notices, unbalanced_transactions
from shequ.problems.services import send_due_reminders, send_report_reminders
from shequ.registry.services import purge_files
from shequ.tasks.services import publish_due_lists

logger = logging.getLogger(__name__)

NIGHTLY_AT = time(2, 30)


def _remind() -> tuple[int, str]:
    soon, overdue = send_due_reminders()
    return soon + overdue, f"即将到期提醒 {soon} 件，超期提醒 {overdue} 件"


def _orders() -> tuple[int, str]:
    sent = send_order_notices()
    return sent, f"新订单待备货提醒 {sent} 条"


def _follow_up() -> tuple[int, str]:
    count = send_follow_up_reminders()
    return count, f"回访提醒 {count} 条"


def _expiry() -> tuple[int, str]:
    sent = send_expiry_reminders()
    return sent, f"居住证、租期到期提醒 {sent} 条"


def _report_due() -> tuple[int, str]:
    sent = send_report_reminders()
    return sent, f"月报报送提醒 {sent} 条"


def _publish() -> tuple[int, str]:
    count = publish_due_lists()
    return count, f"已发布 {count} 份月度任务清单"


def _purge() -> tuple[int, str]:
    count = purge_files()
    return count, f"已删除 {count} 次居民导入留下的过期文件"


def _reconcile() -> tuple[int, str]:
    wrong, unbalanced = len(reconcile()), len(unbalanced_transactions())
    if unbalanced:
        logger.warning("%s points transactions do not sum to zero: run `shequ points reconcile`", unbalanced)
    return wrong + unbalanced, f"积分核对：{wrong} 个账户余额已修正，{unbalanced} 笔交易分录不平衡"


def every(minutes: int) -> Callable[[datetime], datetime]:
    return lambda now: now + timedelta(minutes=minutes)


def nightly(now: datetime) -> datetime:
    """The next NIGHTLY_AT, local time, after ``now``."""
    local = timezone.localtime(now)
    at = local.replace(hour=NIGHTLY_AT.hour, minute=NIGHTLY_AT.minute, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], tuple[int, str]]  # (how many things it did, a line saying so)
    next_after: Callable[[datetime], datetime]
    at_start: bool


JOBS = (
    Job("remind", _remind, every(10), at_start=True),
    Job("orders", _orders, every(10), at_start=True),
    Job("follow_up", _follow_up, every(60), at_start=True),
    Job("expiry", _expiry, every(60), at_start=True),
    Job("report_due", _report_due, every(60), at_start=True),
    Job("publish", _publish, every(60), at_start=True),
    Job("purge", _purge, every(60), at_start=True),
    Job("reconcile", _reconcile, nightly, at_start=False),
)


def first_due(now: datetime) -> dict[str, datetime]:
    return {job.name: now if job.at_start else job.next_after(now) for job in JOBS}


def run_due(due: dict[str, datetime], now: datetime) -> list[tuple[str, int, str]]:
    """One pass: run every job whose time has come and set its next time. A job that fails
    is logged and tried again at its next time; the others still run. Returns (job, count,
    line) of each job that ran."""
    ran = []
    for job in JOBS:
        if due[job.name] > now:
            continue
        due[job.name] = job.next_after(now)
        try:
            count, line = job.run()
        except Exception:
            logger.exception("periodic job %s failed; next try at %s", job.name, due[job.name])
        else:
            ran.append((job.name, count, line))
        finally:
            # A fresh connection each pass: one dropped by the server (a restart, an idle
            # timeout) would otherwise fail every later pass. Not one inside a transaction
            # (a caller's, or a test's): closing it there breaks every later statement.
            for conn in connections.all(initialized_only=True):
                if not conn.in_atomic_block:
                    conn.close()
    return ran


class Command(BaseCommand):
    help = (
        "定时任务：问题到期提醒和新订单待备货提醒（每10分钟）、回访提醒、居住证和租期到期提醒、月报报送提醒、发布月度任务清单和清理过期导入文件"
        "（每小时）、"
        "积分核对（每晚）；"
        "--once 各运行一次后退出"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="每项各运行一次后退出（供 cron 使用）")
        parser.add_argument(
            "--job",
            action="append",
            choices=[j.name for j in JOBS],
            help="与 --once 同用：只运行这一项（可重复），供按各自时间运行的 cron 行使用",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if options["job"] and not options["once"]:
            raise CommandError("--job 只能与 --once 同用（不带 --once 时各项按自己的时间运行）")
        if options["once"]:
            now = timezone.now()
            chosen = options["job"] or [j.name for j in JOBS]
            # Jobs not chosen are due only in a year: this pass leaves them alone.
            due = {j.name: now if j.name in chosen else now + timedelta(days=365) for j in JOBS}
            ran = run_due(due, now)
            for _name, _count, line in ran:
                self.stdout.write(line)
            # A cron line learns of a failure by the exit status (and mails standard error):
            # status 0 after a job's traceback read as done.
            failed = [name for name in chosen if name not in {name for name, _, _ in ran}]
            if failed:
                raise CommandError(f"定时任务 {'、'.join(failed)} 运行失败，原因见上方日志；其余各项已运行")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        due = first_due(timezone.now())
        while not stop.is_set():
            for _name, count, line in run_due(due, timezone.now()):
                if count or verbosity > 1:
                    self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M} {line}")
            wait = (min(due.values()) - timezone.now()).total_seconds()
            stop.wait(min(max(wait, 1), 60))
