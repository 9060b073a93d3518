"""`shequ backup DEST`: a consistent copy of the SQLite database while Shequ runs.

A plain ``cp`` of a WAL database copies the main file without the commits still in its
``-wal`` file (and may catch a page half written). SQLite's online backup API reads
through the log, so the copy holds every row committed when it finished. The copy is
made 0600 and left in rollback-journal mode: one self-contained file.
PostgreSQL is backed up with ``pg_dump -Fc`` (docs/operations.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from shequ.core import privatefiles

# SQLite's reasons for the usual failures, in Chinese for the operator.
SQLITE_REASONS = {
    "database or disk is full": "磁盘已满",
    "unable to open database file": "无法打开数据库文件",
    "disk I/O error": "磁盘读写错误",
    "database is locked": "数据库被锁定（20 秒内未能读取）",
}


def backup(source: Path, dest: Path) -> str:
    """Copy the database ``source`` to the new file ``dest``; returns its integrity check."""
    if dest.is_dir():
        raise CommandError(f"{dest} 是文件夹，请给出备份文件的路径（如 {dest / 'shequ-日期.sqlite3'}）")
    try:
        privatefiles.make_dirs(dest.parent)
        with open(dest, "xb"):  # refuse to write over anything, then made 0600 below
            pass
    except FileExistsError as exc:
        raise CommandError(f"{dest} 已存在，请换一个文件名（备份不覆盖已有文件）") from exc
    except OSError as exc:  # a read-only disk, no permission, a file where a folder should be
        raise CommandError(f"无法创建备份文件 {dest}（{exc.strerror}）") from exc
    dest.chmod(privatefiles.FILE_MODE)
    src = dst = None
    try:
        # By URI, to open it read-only; as_uri() quotes "#", "?" and "%", which SQLite would
        # otherwise read as the URI's fragment, query or an escape (and back up another file).
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=20)
        dst = sqlite3.connect(dest)
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        return str(dst.execute("PRAGMA quick_check").fetchone()[0])
    except sqlite3.Error as exc:
        # A half-written copy (a full disk) must not be left to be taken for a backup.
        if dst is not None:
            dst.close()
        dest.unlink(missing_ok=True)
        reason = SQLITE_REASONS.get(str(exc), str(exc))
        raise CommandError(f"备份失败：{reason}；没有留下不完整的备份文件 {dest}") from exc
    finally:
        if src is not None:
            src.close()
        if dst is not None:
            dst.close()


class Command(BaseCommand):
    help = "备份 SQLite 数据库到一个新文件（运行中也可以；PostgreSQL 请用 pg_dump -Fc）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", help="备份文件路径（不能已存在）")

    def handle(self, *args: Any, **options: Any) -> None:
        db = connections["default"].settings_dict
        if db["ENGINE"] != "shequ.core.sqlite":
            raise CommandError("数据库不是 SQLite：PostgreSQL 请用 pg_dump -Fc 备份（见 docs/operations.md）")
        result = backup(Path(db["NAME"]), Path(options["dest"]))
        if result != "ok":
            raise CommandError(f"备份已写入 {options['dest']}，但完整性检查未通过：{result}")
        self.stdout.write(
            f"已备份到 {options['dest']}（完整性检查通过）。请另行备份 media/（imports/ 除外）和密钥文件"
        )
