"""Folders and files readable by the service user only (0700, 0600), whatever the
process's umask: uploaded registers, error reports, photos, proofs and reports hold
personal data, and with the usual umask 022 any local user could read them.

Set explicitly here rather than by ``os.umask`` at start, because the umask depends on
how each process was started (systemd, cron, a shell, a test runner) and is global to
it; the systemd units in docs/operations.md add ``UMask=0027`` as a second guard."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, each 0700. (``Path.mkdir(parents=True)``
    gives the parents the umask's mode, not ``mode``.) Existing folders are left as they
    are: an operator may have set them up on purpose."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode passes through the umask


def create(path: Path) -> BinaryIO:
    """Open ``path`` for writing as a new, empty file of mode 0600, its folder made first."""
    make_dirs(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # a file already there keeps its mode otherwise
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "wb")


def reserve(path: Path) -> None:
    """Create ``path`` empty with mode 0600, for a library that then writes it by name
    (opening an existing file for writing keeps its mode)."""
    create(path).close()


def create_if_missing(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists; never truncates, so two
    processes starting at once cannot empty a file the other has begun to fill."""
    make_dirs(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        return
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
