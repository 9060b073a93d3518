"""Photos attached to problems: only real JPEG, PNG or WebP images are taken, checked by
their content (not their name), limited in bytes and pixels, and stored re-encoded as
JPEG with all metadata (EXIF, GPS) dropped, at most PHOTO_MAX_SIDE pixels on their
longest side. Files are flushed to disk before the caller
commits, so a "saved" reply never points at a file still in the page cache."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from shequ.core import privatefiles
from shequ.core.errors import Unavailable, ValidationFailed

# MPO is a JPEG with further pictures after the first (a phone's preview or depth map);
# the first picture is the photo.
logger = logging.getLogger(__name__)
# The disk refused a file (full, or not writable): nothing was saved.
STORAGE_FAILED = (
    "照片或文件没有保存：服务器存储空间不足或无法写入。填写的内容已保留，"
    "请稍后重新选择文件再提交；如仍不行，请告知系统管理员"
)
ALLOWED = {"JPEG", "MPO", "PNG", "WEBP"}
# PNG and WebP are decoded whole, four bytes a pixel, with copies (WebP's decoder keeps
# several): a 40-megapixel one of nothing, 150 KB sent, took 0.5-0.8 GB and 3-5 s. They are
# screenshots and saved pictures, not camera photos: 16 megapixels (4,000 x 4,000) is ample.
LOSSLESS_MAX_PIXELS = 16_000_000


@dataclass(frozen=True)
class StoredPhoto:
    file: str  # relative to MEDIA_ROOT
    sha256: str
    width: int
    height: int


def _read(upload: Any, field: str) -> bytes:
    limit = settings.PHOTO_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        raise ValidationFailed({field: f"照片不能超过 {size}"})
    if not data:
        raise ValidationFailed({field: "照片是空文件"})
    return data


def decode(data: bytes, field: str = "photos", side: int | None = None) -> Image.Image:
    """The checked image, loaded. With ``side``, a JPEG is decoded at the smallest of its
    built-in scales (1/2, 1/4, 1/8) that still has ``side`` pixels on its longest side: a
    40-megapixel photo then costs a quarter of the memory and time."""
    try:
        probe = Image.open(io.BytesIO(data))
        if probe.format not in ALLOWED:
            raise ValidationFailed(
                {field: f"只接受 JPEG、PNG 或 WebP 照片，这是 {probe.format or '未知'} 格式"}
            )
        lossless = probe.format in ("PNG", "WEBP")
        limit = min(settings.PHOTO_MAX_PIXELS, LOSSLESS_MAX_PIXELS) if lossless else settings.PHOTO_MAX_PIXELS
        if probe.width * probe.height > limit:
            have, most = probe.width * probe.height / 10_000, limit / 10_000
            advice = (
                f"请把 {probe.format} 图片缩小后上传，或另存为 JPEG 照片"
                if lossless
                else "请把相机分辨率调低重拍，或截图后上传"
            )
            raise ValidationFailed({field: f"照片像素为 {have:.0f} 万，超过 {most:.0f} 万的上限，{advice}"})
        probe.verify()
        image = Image.open(io.BytesIO(data))
        longest = max(image.size)
        if side and image.format in ("JPEG", "MPO") and longest > side:
            w, h = image.size
            image.draft(image.mode, (math.ceil(w * side / longest), math.ceil(h * side / longest)))
        image.load()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError) as exc:
        raise ValidationFailed({field: "文件不是可以打开的图片，或图片已损坏"}) from exc
    return image


def _fsync_write(path: Path, data: bytes | bytearray) -> None:
    """Write and flush a new file; a write that fails (disk full) leaves no part of it."""
    try:
        with privatefiles.create(path) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def prepare(uploads: list[Any], field: str = "photos") -> list[bytes]:
    """Check every upload and return the re-encoded JPEG bytes (nothing written yet)."""
    if len(uploads) > settings.PHOTOS_PER_REPORT:
        raise ValidationFailed({field: f"最多上传 {settings.PHOTOS_PER_REPORT} 张照片"})
    out = []
    for n, upload in enumerate(uploads, start=1):
        side = settings.PHOTO_MAX_SIDE
        try:
            image = decode(_read(upload, field), field, side)
        except ValidationFailed as exc:
            # Which photo, by its place and its name: the browser drops every chosen file
            # when the form comes back, and "照片像素太大" alone left the user guessing.
            name = str(getattr(upload, "name", "") or "")[:40]
            which = f"第 {n} 张照片" + (f"（{name}）" if name else "")
            raise ValidationFailed({field: f"{which}：{exc.fields[field]}"}) from None
        # Made small first, in place (reduce() then resample), before anything copies it:
        # a 40-megapixel PNG of nothing (150 KB sent) took ~0.5 GB and seconds per copy.
        # The bound is square, so turning the picture upright after changes nothing.
        image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=1.0)
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.split()[-1])
            image = background
        # No metadata: no exif= argument, and nothing carried over from the upload (Pillow
        # writes a JPEG comment it read, free text a phone or a sender can fill with anything).
        image.info = {}
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85, optimize=True)
        out.append(buffer.getvalue())
    return out


def store(encoded: bytes) -> StoredPhoto:
    now = timezone.localtime()
    relative = f"problems/{now:%Y/%m}/{uuid.uuid4().hex}.jpg"
    _fsync_write(Path(settings.MEDIA_ROOT) / relative, encoded)
    with Image.open(io.BytesIO(encoded)) as image:
        width, height = image.size
    return StoredPhoto(relative, hashlib.sha256(encoded).hexdigest(), width, height)


def store_all(encoded: list[bytes], field: str = "photos") -> list[StoredPhoto]:
    """Store each photo (``store_each``)."""
    return store_each(encoded, store, remove, field)


def store_each(items: list[Any], store_one: Any, remove_stored: Any, field: str) -> list[Any]:
    """Store each item; if one fails, those already written are removed (no row will ever
    point at them, and nobody would find them to delete), and a disk that refuses the
    write is said on the form's ``field``, the form keeping what was typed. Task proofs
    are stored through it too."""
    stored: list[Any] = []
    try:
        for item in items:
            stored.append(store_one(item))
    except OSError as exc:
        remove_stored(stored)
        logger.error("file not stored under %s: %s", field, exc)
        raise Unavailable({field: STORAGE_FAILED}) from exc
    except BaseException:
        remove_stored(stored)
        raise
    return stored


def remove(stored: list[StoredPhoto]) -> None:
    for photo in stored:
        (Path(settings.MEDIA_ROOT) / photo.file).unlink(missing_ok=True)
