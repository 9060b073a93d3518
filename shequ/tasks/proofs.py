"""Proof of a task done: photos (checked, re-encoded and stripped of metadata by the
problem list's photo module) and at most one short video, whose type is read from its
first bytes — an MP4/MOV ``ftyp`` box or a WebM EBML header — never from its name."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.problems import photos

# ISO base media brands of phone videos (H.264/H.265 MP4, QuickTime, 3GP).
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"qt  ",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
    b"MSNV",
    b"dash",
}
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG; WebP is checked below


@dataclass(frozen=True)
class Prepared:
    kind: str  # photo | video
    data: bytes
    content_type: str
    extension: str


@dataclass(frozen=True)
class Stored:
    kind: str
    file: str
    content_type: str
    sha256: str
    size: int


def video_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a supported video by its first bytes, else None."""
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return ("video/quicktime", "mov") if head[8:12] == b"qt  " else ("video/mp4", "mp4")
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return "video/webm", "webm"
    return None


def _looks_like_image(head: bytes) -> bool:
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def prepare(uploads: list[Any], field: str = "files") -> list[Prepared]:
    """Check every upload by content and size; nothing is written yet."""
    images: list[Any] = []
    out: list[Prepared] = []
    for upload in uploads:
        head = upload.read(64)
        upload.seek(0)
        if not head:
            raise ValidationFailed({field: f"“{getattr(upload, 'name', '文件')}”是空文件，请重新选择"})
        kind = video_type(head)
        if kind is not None:
            if any(p.kind == "video" for p in out):
                raise ValidationFailed({field: "每次最多上传 1 段视频"})
            limit = settings.TASK_VIDEO_MAX_BYTES
            data = upload.read(limit + 1)
            if len(data) > limit:
                raise ValidationFailed({field: f"视频不能超过 {limit / (1024 * 1024):g} MB"})
            out.append(Prepared("video", data, kind[0], kind[1]))
        elif _looks_like_image(head):
            images.append(upload)
        else:
            name = getattr(upload, "name", "文件")
            raise ValidationFailed(
                {field: f"“{name}”既不是照片（JPEG、PNG、WebP）也不是视频（MP4、MOV、WebM）"}
            )
    for encoded in photos.prepare(images, field):
        out.append(Prepared("photo", encoded, "image/jpeg", "jpg"))
    return out


def store(prepared: Prepared) -> Stored:
    """Write one file under MEDIA_ROOT/tasks/, flushed to disk before the caller commits."""
    now = timezone.localtime()
    relative = f"tasks/{now:%Y/%m}/{uuid.uuid4().hex}.{prepared.extension}"
    photos._fsync_write(Path(settings.MEDIA_ROOT) / relative, prepared.data)
    return Stored(
        prepared.kind,
        relative,
        prepared.content_type,
        hashlib.sha256(prepared.data).hexdigest(),
        len(prepared.data),
    )


def remove(stored: list[Stored]) -> None:
    for item in stored:
        (Path(settings.MEDIA_ROOT) / item.file).unlink(missing_ok=True)
