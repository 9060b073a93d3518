"""An import that goes wrong part-way: a damaged sheet, a full disk, a locked database.
The user gets a Chinese message, the run says what really happened, and no register
(full ID numbers) is left in media/imports/ where nothing would ever delete it."""

import errno
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.db.models.query import QuerySet
from django.test import Client
from django.utils import timezone

from shequ.access import audit
from shequ.core.errors import ValidationFailed
from shequ.people.models import Resident
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


def _confirmed(world, tmp_path, start, capture):
    """A run checked and confirmed, its import job queued but not run yet."""
    run = services.start_import(
        world.secretary_zhang, world.areas["A1"].code, _upload(world, tmp_path, start)
    )
    with capture(execute=True):
        services.set_mapping(world.secretary_zhang, run.pk, run.mapping)
    with capture(execute=False):
        services.confirm_import(world.secretary_zhang, run.pk)
    run.refresh_from_db()
    assert run.status == "importing", run.message
    return run


def test_a_worker_stopped_right_after_the_import_commits_leaves_the_run_done(
    world, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """The residents were committed, then the worker was stopped (systemctl restart) before
    the run's own update: the run stayed 导入中, and 30 minutes later the page said the
    import was interrupted with nothing written."""
    run = _confirmed(world, tmp_path, 48_200, django_capture_on_commit_callbacks)
    real_apply = services.apply_plan

    def apply_then_stop(*args, **kwargs):
        real_apply(*args, **kwargs)
        raise SystemExit(143)

    monkeypatch.setattr(services, "apply_plan", apply_then_stop)
    with pytest.raises(SystemExit):
        services.process(run.pk, commit=True, job=run.job)
    run.refresh_from_db()
    assert Resident.objects.filter(name__startswith="居民482").count() == 3
    assert run.status == "done" and run.summary["new"] == 3 and run.message == "导入完成"
    # The upload is still named by the run, so the clean-up deletes it in the end.
    assert run.stored_file and services.purge_files(now=run.finished_at + timedelta(days=8)) >= 1
    assert _imports() == []  # (other tests' committed runs may be purged too: counted >= 1)
    ImportRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(hours=1))
    client = Client()
    client.force_login(world.secretary_zhang)
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "已导入" in page and "没有写入任何数据" not in page and "很久没有进展" not in page


def test_an_import_whose_run_cannot_be_marked_done_writes_nothing(
    world, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """The run's final update failed (database locked) after the residents were committed:
    the run said 导入失败 over a registry that held every row."""
    run = _confirmed(world, tmp_path, 48_300, django_capture_on_commit_callbacks)
    real_update = QuerySet.update

    def update(self, **kwargs):
        if kwargs.get("status") == "done":
            raise OperationalError("database is locked")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    with pytest.raises(OperationalError):
        services.process(run.pk, commit=True, job=run.job)
    monkeypatch.setattr(QuerySet, "update", real_update)
    run.refresh_from_db()
    assert not Resident.objects.filter(name__startswith="居民483").exists()
    assert run.status == "failed" and f"记录号 {run.pk}" in run.message and "没有写入任何数据" in run.message


def test_a_failure_after_the_import_committed_does_not_call_it_failed(
    world, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    run = _confirmed(world, tmp_path, 48_400, django_capture_on_commit_callbacks)

    def cannot_delete(relative):
        raise PermissionError(13, "Permission denied", relative)

    monkeypatch.setattr(services, "_delete", cannot_delete)
    with pytest.raises(PermissionError):
        services.process(run.pk, commit=True, job=run.job)
    run.refresh_from_db()
    assert Resident.objects.filter(name__startswith="居民484").count() == 3
    assert run.status == "done" and run.message == "导入完成"


def test_an_import_superseded_while_it_writes_writes_nothing(
    world, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    """Writing took so long that the run was called interrupted and checked again: the old
    job's residents are rolled back, as the page said (nothing written), and the run is
    left to the newer job."""
    run = _confirmed(world, tmp_path, 48_500, django_capture_on_commit_callbacks)
    real_apply = services.apply_plan

    def apply_while_checked_again(*args, **kwargs):
        ImportRun.objects.filter(pk=run.pk).update(status="checking", job=run.job + 1, message="排队中")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(services, "apply_plan", apply_while_checked_again)
    services.process(run.pk, commit=True, job=run.job)
    run.refresh_from_db()
    assert not Resident.objects.filter(name__startswith="居民485").exists()
    assert run.status == "checking" and run.stored_file and _imports() == [Path(run.stored_file).name]


def test_a_full_disk_while_writing_the_error_report_is_logged_not_shown(
    world, tmp_path, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The page and the API showed "导入失败：[Errno 28] No space left on device: '/…/media/
    imports/…-errors.xlsx'", and the half-written report (cell values as typed) stayed."""
    rows = rows_for(world, 3, start=48_600)
    rows[1][5] = "不存在的楼"
    path = save(tmp_path / "bad.xlsx", {"居民": [HEADERS, *rows]})
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    run = services.start_import(world.secretary_zhang, world.areas["A1"].code, upload)
    with django_capture_on_commit_callbacks(execute=False):
        run = services.set_mapping(world.secretary_zhang, run.pk, run.mapping)
    real_workbook = services.xlsx.workbook

    def disk_fills(out, **kwargs):
        book = real_workbook(out, **kwargs)

        def close():
            Path(out).write_bytes(b"PK\x03\x04 half a report")
            raise OSError(errno.ENOSPC, "No space left on device", str(out))

        book.close = close
        return book

    monkeypatch.setattr(services.xlsx, "workbook", disk_fills)
    with pytest.raises(OSError):
        services.process(run.pk, commit=False, job=run.job)
    run.refresh_from_db()
    assert run.status == "failed" and run.message.startswith(f"检查失败（内部错误，记录号 {run.pk}）")
    assert "No space left" in caplog.text and f"run {run.pk} failed" in caplog.text
    client = Client()
    client.force_login(world.secretary_zhang)
    shown = [
        client.get(f"/registry/import/{run.pk}/").content.decode(),
        client.get(f"/api/v1/registry/imports/{run.pk}").json()["message"],
    ]
    for text in shown:
        assert f"记录号 {run.pk}" in text and "No space" not in text and str(settings.MEDIA_ROOT) not in text
    assert _imports() == []


def test_confirming_a_checked_run_whose_upload_is_gone_asks_for_the_file(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """A database restored without media/imports/ (the backups leave it out): the run is
    checked, its register is not on disk. Confirming it says so, before any job."""
    upload = _upload(world, tmp_path, 48_200)
    run = services.start_import(world.secretary_zhang, world.areas["A1"].code, upload)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_mapping(world.secretary_zhang, run.pk, run.mapping)
    run.refresh_from_db()
    assert run.status == "checked", run.message
    (Path(settings.MEDIA_ROOT) / run.stored_file).unlink()
    with pytest.raises(ValidationFailed) as refused:
        services.confirm_import(world.secretary_zhang, run.pk)
    assert refused.value.fields == {"file": services.GONE}
    run.refresh_from_db()
    assert run.status == "checked"
