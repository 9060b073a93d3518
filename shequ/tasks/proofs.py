"""Proof of a task done: photos (checked, re-encoded and stripped of metadata by the
problem list's photo module) and at most one short video, whose type is read from its
first bytes — an MP4/MOV ``ftyp`` box or a WebM EBML header — never from its name. An
MP4/MOV must be a whole ISO media file; its metadata boxes (where a phone keeps the place
it was shot) are blanked before it is stored."""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterator
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
# Boxes that only hold other boxes: walked to reach the metadata inside them.
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex"}
# Where phones and cameras write the place a video was shot: udta ©xyz, meta's
# com.apple.quicktime.location.ISO6709, and XMP in a uuid box.
METADATA = {b"udta", b"meta"}
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Prepared:
    kind: str  # photo | video
    data: bytes | bytearray
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
            data = _read_video(upload, field)
            if kind[1] in ("mp4", "mov"):
                try:
                    blank_metadata(data)
                except Malformed:
                    name = getattr(upload, "name", "视频")
                    raise ValidationFailed(
                        {field: f"视频“{name}”不完整或已损坏，无法播放，请重新拍摄或导出后上传"}
                    ) from None
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


def _read_video(upload: Any, field: str) -> bytearray:
    """The whole video in one buffer, read in chunks: it is patched in place, so a large
    video is held once, not once as read and again as changed."""
    limit = settings.TASK_VIDEO_MAX_BYTES
    data = bytearray()
    while chunk := upload.read(min(READ_CHUNK, limit + 1 - len(data))):
        data += chunk
        if len(data) > limit:
            raise ValidationFailed({field: f"视频不能超过 {limit / (1024 * 1024):g} MB"})
    return data


class Malformed(Exception):
    """Box sizes that do not add up: a truncated or damaged ISO media file."""


def _boxes(data: bytearray, start: int, end: int) -> Iterator[tuple[int, int, int, bytes]]:
    """(offset, header length, size, type) of each box filling data[start:end] exactly."""
    pos = start
    while pos < end:
        if end - pos < 8:
            raise Malformed
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:  # the real size follows as 64 bits
            if end - pos < 16:
                raise Malformed
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:  # runs to the end of what holds it
            size = end - pos
        if kind == b"uuid":
            header += 16
        if size < header or pos + size > end:
            raise Malformed
        yield pos, header, size, kind
        pos += size


def _blank(data: bytearray, start: int, end: int, depth: int = 0) -> int:
    if depth > 16:
        raise Malformed
    blanked = 0
    for pos, header, size, kind in _boxes(data, start, end):
        if kind in METADATA or (kind == b"uuid" and data[pos + header - 16 : pos + header] == XMP_UUID):
            # Turned into a "free" box of the same size, its content zeroed: every offset
            # into the file (stco/co64 chunk offsets) stays right, so the video still plays.
            payload = pos + (header - 16 if kind == b"uuid" else header)
            data[pos + 4 : pos + 8] = b"free"
            data[payload : pos + size] = bytes(pos + size - payload)
            blanked += 1
        elif kind in CONTAINERS:
            blanked += _blank(data, pos + header, pos + size, depth + 1)
    return blanked


def blank_metadata(data: bytearray) -> int:
    """Blank the udta, meta and XMP boxes of an MP4/MOV in place (in moov and in every track,
    and at the top); the number blanked. Raise Malformed unless the boxes fill the file
    exactly and there is a moov box."""
    if not any(kind == b"moov" for _, _, _, kind in _boxes(data, 0, len(data))):
        raise Malformed
    return _blank(data, 0, len(data))


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


def store_all(prepared: list[Prepared], field: str = "files") -> list[Stored]:
    """Store each file, as photos.store_each: all or none, a refusing disk said on ``field``."""
    return photos.store_each(prepared, store, remove, field)


def remove(stored: list[Stored]) -> None:
    for item in stored:
        (Path(settings.MEDIA_ROOT) / item.file).unlink(missing_ok=True)
