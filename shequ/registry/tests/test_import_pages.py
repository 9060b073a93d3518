import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.people.models import Resident
from shequ.registry.importing import ADD_BUILDING
from shequ.registry.models import ColumnMapping, ImportRun
from shequ.registry.tests.helpers import HEADERS, rows_for, save

pytestmark = pytest.mark.django_db


def upload(client, community, path):
    with open(path, "rb") as fh:
        data = SimpleUploadedFile(path.name, fh.read())
    return client.post("/registry/import/", {"community": community.code, "file": data})


def test_staff_map_an_odd_header_see_the_row_errors_then_import_the_corrected_file(
    world, tmp_path, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.secretary_zhang)
    community = world.areas["A1"]
    headers = ["住户姓名", *HEADERS[1:]]
    good = rows_for(world, 6, start=40_000)
    bad = list(good[1])
    bad[5] = "不存在的楼"
    path = save(tmp_path / "第一版.xlsx", {"居民": [headers, good[0], bad, *good[2:]]})

    r = upload(client, community, path)
    run = ImportRun.objects.latest("id")
    assert r.status_code == 302 and r["Location"] == f"/registry/import/{run.pk}/"
    page = client.get(r["Location"]).content.decode()
    assert "住户姓名" in page and "确认列对应并检查" in page
    assert run.mapping["住户姓名"] == ""  # not a known header: the user chooses

    # Without 姓名 mapped the check does not start, and the user's choices come back.
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    r = client.post(f"/registry/import/{run.pk}/", fields)
    assert r.status_code == 400 and "没有列对应“姓名”（必填）" in r.content.decode()

    fields["col_0"] = "name"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/registry/import/{run.pk}/", fields)
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.status == "refused" and run.error_count == 1
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "楼栋“不存在的楼”在本社区不存在" in page and "下载错误报告" in page
    report = client.get(f"/registry/import/{run.pk}/errors/")
    content = b"".join(report.streaming_content)  # type: ignore[attr-defined]
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.values)
    assert rows[1] == ("居民", 3, "楼栋", "不存在的楼", "楼栋“不存在的楼”在本社区不存在" + ADD_BUILDING)
    assert ColumnMapping.objects.get(community=community).mapping["住户姓名"] == "name"

    # The corrected file maps itself from the remembered choice.
    path = save(tmp_path / "第二版.xlsx", {"居民": [headers, *good]})
    upload(client, community, path)
    second = ImportRun.objects.latest("id")
    assert second.mapping["住户姓名"] == "name"
    fields = {f"col_{i}": second.mapping.get(h, "") for i, h in enumerate(second.headers)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{second.pk}/", fields)
    second.refresh_from_db()
    assert second.status == "checked" and second.summary["new"] == 6
    assert not Resident.objects.filter(name=good[0][0]).exists()  # a dry run writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/registry/import/{second.pk}/confirm/")
    second.refresh_from_db()
    assert second.status == "done" and second.progress == 100
    assert Resident.objects.filter(name=good[0][0], area_path__startswith=community.path).exists()
    progress = client.get(f"/registry/import/{second.pk}/progress/").content.decode()
    assert "已导入" in progress and "hx-trigger" not in progress
    # Confirming twice does not import twice.
    assert client.post(f"/registry/import/{second.pk}/confirm/").status_code == 400


def test_upload_errors_name_the_field_and_keep_the_choice(world, tmp_path):
    client = Client()
    client.force_login(world.secretary_zhang)
    bad = SimpleUploadedFile("名单.docx", b"not a workbook")
    r = client.post("/registry/import/", {"community": world.areas["A1"].code, "file": bad})
    assert r.status_code == 400 and "只能导入 Excel（.xlsx）或 CSV 文件" in r.content.decode()
    r = client.post("/registry/import/", {"community": world.areas["A1"].code})
    assert "请选择要导入的文件" in r.content.decode()


def test_out_of_scope_runs_are_404_and_grid_workers_cannot_import(world, tmp_path):
    path = save(tmp_path / "x.xlsx", {"S": [HEADERS, *rows_for(world, 1, start=50_000)]})
    zhang = Client()
    zhang.force_login(world.secretary_zhang)
    upload(zhang, world.areas["A1"], path)
    run = ImportRun.objects.latest("id")
    zhao = Client()
    zhao.force_login(world.outsider_zhao)
    for url in ("", "progress/", "errors/"):
        assert zhao.get(f"/registry/import/{run.pk}/{url}").status_code == 404
    assert zhao.post(f"/registry/import/{run.pk}/confirm/").status_code == 404
    # Zhao's own community is B1: importing into A1 is the same 404 as a missing area.
    with open(path, "rb") as fh:
        r = zhao.post("/registry/import/", {"community": world.areas["A1"].code, "file": fh})
    assert r.status_code == 404
    li = Client()
    li.force_login(world.grid_worker_li)
    assert li.get("/registry/import/").status_code == 404
    assert li.get(f"/registry/import/{run.pk}/").status_code == 404


def test_template_has_chinese_headers_and_an_example_row(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/registry/import/template/")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("姓名*", "身份证号*", "性别")
    assert rows[1][:2] == ("张三", "11010519491231002X")
    assert len(rows) == 2
    notes = [r[0] for r in openpyxl.load_workbook(io.BytesIO(r.content))["填写说明"].values]
    assert "党员类型" in rows[0] and any(n.startswith("党员类型：社区党员") for n in notes)


def test_the_runs_list_costs_the_same_queries_for_one_run_as_for_three(world, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(world.secretary_zhang)
    path = save(tmp_path / "x.xlsx", {"S": [HEADERS, *rows_for(world, 1, start=70_000)]})

    def count():
        out = []
        for url in ("/registry/import/", "/api/v1/registry/imports"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    upload(client, world.areas["A1"], path)
    one = count()
    upload(client, world.areas["A1"], path)
    upload(client, world.areas["A1"], path)
    assert count() == one


def test_a_run_whose_worker_died_can_be_checked_again(
    world, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    client = Client()
    client.force_login(world.secretary_zhang)
    path = save(tmp_path / "stuck.xlsx", {"居民": [HEADERS, *rows_for(world, 2, start=41_000)]})
    upload(client, world.areas["A1"], path)
    run = ImportRun.objects.latest("id")
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    with django_capture_on_commit_callbacks(execute=False):  # the job is never run: a dead worker
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    # The worker took the job and said how far it got, then died in it (a job never
    # started is waiting for a worker instead: test_import_background_jobs).
    ImportRun.objects.filter(pk=run.pk).update(message="已检查 0/2 行")
    run.refresh_from_db()
    assert run.status == "checking" and run.active

    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "hx-trigger" in page and "重新检查" not in page
    r = client.post(f"/registry/import/{run.pk}/", fields)
    assert r.status_code == 400 and "这次导入正在进行" in r.content.decode()

    # The clock is frozen; the job's last news was 31 minutes before it (moving the clock
    # itself forward would also expire the login session).
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    ImportRun.objects.filter(pk=run.pk).update(progressed_at=frozen - timedelta(minutes=29))
    run.refresh_from_db()
    assert run.active  # not yet
    ImportRun.objects.filter(pk=run.pk).update(progressed_at=frozen - timedelta(minutes=31))
    run.refresh_from_db()
    assert run.stale and not run.active
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "hx-trigger" not in page and "重新检查" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    run.refresh_from_db()
    assert run.status == "checked" and run.summary["new"] == 2 and not run.stale


def test_uploads_are_deleted_when_done_or_failed_and_error_reports_after_7_days(
    world, tmp_path, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from shequ.registry import services

    media = Path(settings.MEDIA_ROOT)
    assert media.is_relative_to(tmp_path)  # the autouse fixture: never the real media root
    client = Client()
    client.force_login(world.secretary_zhang)
    community = world.areas["A1"]

    def checked(rows, name):
        upload(client, community, save(tmp_path / name, {"居民": [HEADERS, *rows]}))
        run = ImportRun.objects.latest("id")
        fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/registry/import/{run.pk}/", fields)
        run.refresh_from_db()
        return run, fields

    # Done: the upload goes.
    run, _ = checked(rows_for(world, 2, start=42_000), "done.xlsx")
    stored = media / run.stored_file
    assert run.status == "checked" and stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == "done" and run.stored_file == "" and not stored.exists()

    # Failed (the file became unreadable): the upload goes, and the run cannot be re-checked.
    run, fields = checked(rows_for(world, 2, start=42_100), "failed.xlsx")
    stored = media / run.stored_file
    stored.write_bytes(b"not a workbook")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    assert run.status == "failed" and run.stored_file == "" and not stored.exists()
    r = client.post(f"/registry/import/{run.pk}/", fields)
    assert r.status_code == 400 and "请重新上传" in r.content.decode()

    # Refused: upload and error report stay for 7 days after the check, then go.
    bad = rows_for(world, 2, start=42_200)
    bad[0][5] = "不存在的楼"
    run, _ = checked(bad, "refused.xlsx")
    stored, report = media / run.stored_file, media / run.errors_file
    assert run.status == "refused" and stored.exists() and report.exists()
    assert services.purge_files(now=run.finished_at + timedelta(days=6)) == 0 and report.exists()
    assert services.purge_files(now=run.finished_at + timedelta(days=8)) >= 1
    run.refresh_from_db()
    assert not stored.exists() and not report.exists() and run.errors_file == run.stored_file == ""
    assert client.get(f"/registry/import/{run.pk}/errors/").status_code == 404
    assert run.finished_at <= timezone.now()
