"""An import that goes wrong part-way: a damaged sheet, a full disk, a locked database.
The user gets a Chinese message, the run says what really happened, and no register
(full ID numbers) is left in media/imports/ where nothing would ever delete it."""

import errno
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from shequ.access import audit
from shequ.registry import services
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import HEADERS, rows_for, save

pytestmark = pytest.mark.django_db


def _imports():
    root = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def _upload(world, tmp_path, start, n=3):
    path = save(tmp_path / f"f{start}.xlsx", {"居民": [HEADERS, *rows_for(world, n, start=start)]})
    return SimpleUploadedFile(path.name, path.read_bytes())


def _damaged(world, tmp_path):
    """A workbook that opens, but whose sheet holds a raw "&" (as some exporters write it):
    calamine fails only when it reads the sheet."""
    good = save(tmp_path / "good.xlsx", {"居民": [HEADERS, *rows_for(world, 2, start=48_000)]})
    bad = tmp_path / "居民.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                cell = '<row r="9"><c r="A9" t="inlineStr"><is><t>张&三</t></is></c></row>'
                data = data.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
            out.writestr(info, data)
    return bad


def test_a_damaged_sheet_is_refused_in_chinese_and_the_upload_is_not_kept(world, tmp_path):
    client = Client(raise_request_exception=False)
    client.force_login(world.secretary_zhang)
    data = _damaged(world, tmp_path).read_bytes()
    r = client.post(
        "/registry/import/",
        {"community": world.areas["A1"].code, "file": SimpleUploadedFile("居民.xlsx", data)},
    )
    assert r.status_code == 400 and "无法读取这个 Excel 文件" in r.content.decode()
    assert _imports() == [] and not ImportRun.objects.filter(file_name="居民.xlsx").exists()


def test_an_upload_whose_run_is_not_committed_is_deleted(world, tmp_path, monkeypatch):
    """The run's transaction failed (database locked) after the register was stored: no
    run names the file, so purge_files would never have deleted it."""
    real = audit.record

    def locked(*args, **kwargs):
        if args[1] == "registry.upload":
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.audit, "record", locked)
    with pytest.raises(OperationalError):
        services.start_import(world.secretary_zhang, world.areas["A1"].code, _upload(world, tmp_path, 48_100))
    assert not ImportRun.objects.filter(file_name="f48100.xlsx").exists()
    assert _imports() == []


def test_an_upload_cut_short_by_a_full_disk_is_deleted(world):
    class HalfWritten:
        name = "居民.xlsx"
        size = 10

        def chunks(self):
            yield b"PK\x03\x04 part of a register"
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        services.start_import(world.secretary_zhang, world.areas["A1"].code, HalfWritten())
    assert _imports() == []
