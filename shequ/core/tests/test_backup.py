"""`shequ backup`: a plain copy of a WAL database loses the commits still in its -wal file."""

import shutil
import sqlite3
import stat

import pytest
from django.core.management.base import CommandError

from shequ.core.management.commands.backup import backup


@pytest.fixture
def live(tmp_path):
    """A WAL database whose latest commits are still in the -wal file, held open."""
    path = tmp_path / "shequ.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (n INTEGER)")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with db:
        db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    yield path
    db.close()


def rows(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        db.close()


def test_the_backup_has_every_committed_row_and_a_plain_copy_does_not(live, tmp_path):
    shutil.copy(live, tmp_path / "cp.sqlite3")  # what `cp` does: the main file only
    assert rows(tmp_path / "cp.sqlite3") == 0
    dest = tmp_path / "backups" / "2026-03-09.sqlite3"
    assert backup(live, dest) == "ok"
    assert rows(dest) == 100
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert not (tmp_path / "backups" / "2026-03-09.sqlite3-wal").exists()  # one file


def test_a_backup_never_writes_over_a_file(live, tmp_path):
    dest = tmp_path / "old.sqlite3"
    dest.write_bytes(b"yesterday")
    with pytest.raises(CommandError, match="已存在"):
        backup(live, dest)
    assert dest.read_bytes() == b"yesterday"


@pytest.mark.parametrize("folder", ["数据#1", "a?b", "100%", "with space"])
def test_a_database_whose_path_has_uri_characters_is_backed_up(tmp_path, folder):
    """The source is opened read-only by URI: ``#``, ``?`` and ``%`` in its path are
    quoted, not read as the URI's fragment, query or an escape."""
    path = tmp_path / folder / "shequ.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (n INTEGER)")
    with db:
        db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(7)])
    db.close()
    dest = tmp_path / "out.sqlite3"
    assert backup(path, dest) == "ok"
    assert rows(dest) == 7


def test_a_backup_that_cannot_be_made_says_why_and_leaves_no_file(live, tmp_path):
    """A database that cannot be read left an empty file behind, taken for a backup by the
    next look at the folder; a destination that cannot be made (a folder, a file in the
    way) stopped the command with a traceback."""
    dest = tmp_path / "out.sqlite3"
    with pytest.raises(CommandError, match="备份失败：无法打开数据库文件；没有留下不完整的备份文件"):
        backup(tmp_path / "missing.sqlite3", dest)
    assert not dest.exists()
    with pytest.raises(CommandError, match="是文件夹，请给出备份文件的路径"):
        backup(live, tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    with pytest.raises(CommandError, match="无法创建备份文件"):
        backup(live, blocker / "out.sqlite3")
