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


def backup(source: Path, dest: Path) -> str:
    """Copy the database ``source`` to the new file ``dest``; returns its integrity check."""
    privatefiles.make_dirs(dest.parent)
    try:
        with open(dest, "xb"):  # refuse to write over anything, then made 0600 below
            pass
    except FileExistsError as exc:
        raise CommandError(f"{dest} 已存在，请换一个文件名（备份不覆盖已有文件）") from exc
    dest.chmod(privatefiles.FILE_MODE)
    # By URI, to open it read-only; as_uri() quotes "#", "?" and "%", which SQLite would
    # otherwise read as the URI's fragment, query or an escape (and back up another file).
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=20)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        return str(dst.execute("PRAGMA quick_check").fetchone()[0])
    except sqlite3.Error:
        dst.close()
        dest.unlink(missing_ok=True)
        raise
    finally:
        src.close()
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
