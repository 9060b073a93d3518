"""A proof video or a task's video kept the phone's GPS position (moov/udta ©xyz, Apple's
ISO6709 key in moov/meta): photos were stripped, videos stored byte for byte. Now the
metadata boxes are blanked in place (same sizes, so the video still plays) and a
damaged MP4/MOV is refused."""

import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.errors import ValidationFailed
from shequ.tasks import proofs
from shequ.tasks.models import ProofFile, TaskAttachment
from shequ.tasks.tests.helpers import LOCATION, SAMPLES, box, make_task, mp4
from shequ.testing.clients import client_for


def walk(data: bytes, start: int, end: int, found: dict[bytes, list[int]]) -> None:
    """Check the boxes fill data[start:end] exactly; note where each box starts."""
    pos = start
    while pos < end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        assert size >= header and pos + size <= end, (pos, kind)
        found.setdefault(kind, []).append(pos)
        if kind in proofs.CONTAINERS:
            walk(data, pos + header, pos + size, found)
        pos += size
    assert pos == end


def chunk_offsets(data: bytes) -> list[int]:
    found: dict[bytes, list[int]] = {}
    walk(data, 0, len(data), found)
    offsets = [struct.unpack_from(">I", data, pos + 16)[0] for pos in found[b"stco"]]
    return offsets + [struct.unpack_from(">Q", data, pos + 16)[0] for pos in found[b"co64"]]


@pytest.mark.parametrize("fast_start", [True, False])
def test_the_place_is_blanked_and_the_video_still_plays(fast_start):
    original = mp4(fast_start=fast_start)
    assert original.count(LOCATION) == 4 and b"ISO6709" in original
    data = bytearray(original)
    assert proofs.blank_metadata(data) == 4  # moov udta and meta, one track udta, one track meta
    assert LOCATION not in data and b"ISO6709" not in data and b"\xa9xyz" not in data
    assert len(data) == len(original)
    found: dict[bytes, list[int]] = {}
    walk(bytes(data), 0, len(data), found)
    assert b"udta" not in found and b"meta" not in found and len(found[b"free"]) == 4
    # Offsets are untouched and still point at each track's sample in mdat.
    assert chunk_offsets(bytes(data)) == chunk_offsets(original)
    for offset, sample in zip(chunk_offsets(bytes(data)), SAMPLES, strict=True):
        assert data[offset : offset + len(sample)] == sample


def test_xmp_in_a_uuid_box_is_blanked_too():
    xmp = box(b"uuid", proofs.XMP_UUID + b"<exif:GPSLatitude>31,13.8N</exif:GPSLatitude>")
    other = box(b"uuid", b"\x11" * 16 + b"keep me")
    data = bytearray(mp4() + xmp + other)
    proofs.blank_metadata(data)
    assert b"GPSLatitude" not in data and proofs.XMP_UUID not in data and b"keep me" in data


@pytest.mark.parametrize(
    "damage",
    [
        lambda v: v[:-5],  # cut off while uploading
        lambda v: v + b"\0\0\0",  # a few bytes after the last box
        lambda v: v[:32] + struct.pack(">I", len(v)) + v[36:],  # moov claims more than the file
        lambda v: v[:32] + b"\0\0\0\4" + v[36:],  # a box smaller than its header
        lambda v: v[:32] + box(b"mdat", b"no moov"),  # no moov: nothing to play
    ],
)
def test_a_damaged_mp4_is_refused_naming_the_field(damage):
    video = SimpleUploadedFile("IMG_0001.MOV", damage(mp4()), content_type="video/quicktime")
    with pytest.raises(ValidationFailed) as refused:
        proofs.prepare([video], "files")
    assert refused.value.fields == {
        "files": "视频“IMG_0001.MOV”不完整或已损坏，无法播放，请重新拍摄或导出后上传"
    }


def stored(row) -> bytes:
    return (Path(settings.MEDIA_ROOT) / row.file).read_bytes()


@pytest.mark.django_db
def test_a_proof_video_sent_from_the_page_is_stored_without_the_place(world):
    from shequ.tasks import services

    claim = services.claim_task(world.resident_wang, make_task(world).pk)
    c = client_for(world.resident_wang)
    video = SimpleUploadedFile("proof.mp4", mp4(), content_type="video/mp4")
    r = c.post(f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "好了", "files": [video]})
    assert r.status_code == 302
    row = ProofFile.objects.get(claim=claim)
    data = stored(row)
    assert LOCATION not in data and row.size == len(data) == len(mp4())
    assert chunk_offsets(data) == chunk_offsets(mp4())

    claim2 = services.claim_task(world.resident_wang, make_task(world).pk)
    broken = SimpleUploadedFile("proof.mp4", mp4()[:-5], content_type="video/mp4")
    r = c.post(f"/tasks/claims/{claim2.pk}/act/", {"action": "submit", "note": "好了", "files": [broken]})
    body = r.content.decode()
    assert r.status_code == 400 and "视频“proof.mp4”不完整或已损坏" in body and "好了" in body


@pytest.mark.django_db
def test_a_task_video_sent_through_the_api_is_stored_without_the_place(world):
    task = make_task(world)
    staff = client_for(world.secretary_zhang)
    video = SimpleUploadedFile("how-to.mov", mp4(fast_start=False), content_type="video/mp4")
    r = staff.post(f"/api/v1/tasks/{task.pk}/attachments", {"files": [video]})
    assert r.status_code == 200, r.content
    data = stored(TaskAttachment.objects.get(task=task))
    assert LOCATION not in data and chunk_offsets(data) == chunk_offsets(mp4(fast_start=False))
