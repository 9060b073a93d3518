"""Files holding personal data are readable by the service user only (0600 in 0700
folders), even when the process runs with the usual umask 022."""

import os
import stat
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core import privatefiles
from shequ.problems import photos
from shequ.problems.tests.helpers import jpeg
from shequ.registry import importing, services
from shequ.tasks import proofs


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    old = os.umask(0o022)
    yield Path(settings.MEDIA_ROOT)
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folders(media: Path, file: Path) -> set[int]:
    """The modes of the folders from the file's up to the media root."""
    return {mode(folder) for folder in file.parents if folder == media or media in folder.parents}


def test_a_stored_photo_is_private(media):
    stored = photos.store(photos.prepare([jpeg()])[0])
    path = media / stored.file
    assert mode(path) == 0o600
    assert folders(media, path) == {0o700}  # media, problems, YYYY, MM


def test_a_stored_task_proof_is_private(media):
    stored = proofs.store(proofs.Prepared("video", b"\0\0\0\x18ftypisom" + b"\0" * 50, "video/mp4", "mp4"))
    path = media / stored.file
    assert mode(path) == 0o600 and folders(media, path) == {0o700}


def test_an_uploaded_register_and_its_error_report_are_private(media):
    stored, name = services._store(SimpleUploadedFile("名册.csv", "姓名,身份证号\n张三,1\n".encode()))
    assert name == "名册.csv"
    assert mode(stored) == 0o600 and mode(media / "imports") == 0o700 and mode(media) == 0o700

    class Run:
        stored_file = str(stored.relative_to(media))

    error = importing.RowError(sheet="Sheet1", row=2, column="身份证号", value="1", reason="位数不对")
    relative = services.write_errors([error], Run())  # type: ignore[arg-type]
    assert mode(media / relative) == 0o600


def test_an_error_report_written_where_the_operator_says_is_private(tmp_path):
    """`shequ import residents --errors OUT.xlsx` wrote the report (cell values as typed,
    full ID numbers among them) with the umask's mode, 0644."""
    error = importing.RowError(
        sheet="Sheet1", row=2, column="身份证号", value="11010519491231002", reason="位数不对"
    )
    out = tmp_path / "错误.xlsx"
    services.write_errors([error], out=str(out))
    assert mode(out) == 0o600 and out.stat().st_size > 0


def test_a_file_already_there_is_made_private_when_written_again(media):
    path = media / "reports" / "202601" / "a.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"old")
    path.chmod(0o644)
    privatefiles.reserve(path)
    assert mode(path) == 0o600 and path.read_bytes() == b""


@pytest.mark.django_db
def test_a_monthly_report_is_private(world, media):
    from shequ.problems import monthly
    from shequ.problems.models import ReportRun

    a1 = world.areas["A1"]
    run = ReportRun.objects.create(
        area=a1, area_path=a1.path, month="202611", requested_by=world.secretary_zhang
    )
    monthly.run_report(run.pk)
    run.refresh_from_db()
    for relative in (run.xlsx_file, run.docx_file):
        assert mode(media / relative) == 0o600 and folders(media, media / relative) == {0o700}
