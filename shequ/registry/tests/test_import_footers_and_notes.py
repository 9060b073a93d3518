"""What registers carry besides residents: closing rows under the data, and the
template's example row left as the only row."""

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.registry import services
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import person, save

pytestmark = pytest.mark.django_db

HEAD = ["序号", "姓名", "身份证号", "联系电话", "楼栋", "门牌号"]


def _check(world, tmp_path, rows, django_capture_on_commit_callbacks):
    """Upload and check through the pages, as staff do; the run after the check."""
    client = Client()
    client.force_login(world.secretary_zhang)
    path = save(tmp_path / "台账.xlsx", {"居民": rows})
    with open(path, "rb") as fh:
        data = SimpleUploadedFile(path.name, fh.read())
    client.post("/registry/import/", {"community": world.areas["A1"].code, "file": data})
    run = ImportRun.objects.filter(requested_by=world.secretary_zhang).latest("id")
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    return client, run


def test_closing_rows_under_the_data_are_skipped_and_named(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """合计, 填表人, 审核人 and 填表日期 under the residents were each refused (身份证号必填,
    楼栋必填): the whole file had to be trimmed by hand before it would import."""
    building = world.areas["A1-1-b"].name
    rows = [
        HEAD,
        [1, "钱一", person(301), "13700003011", building, "1单元501"],
        [2, "钱二", person(302), "13700003012", building, "1单元501"],
        ["合计", "2人", None, None, None, None],
        ["填表人：李四", None, None, "审核人：王五", None, None],
        [None, "填表日期：2026年11月1日", None, None, None, None],
    ]
    client, run = _check(world, tmp_path, rows, django_capture_on_commit_callbacks)
    assert run.status == "checked" and run.errors == []
    assert run.summary["total"] == 2 and run.summary["new"] == 2
    assert "第4行（合计）" in run.message and "第5行（填表人）" in run.message
    assert "第6行（填表日期）" in run.message
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "第4行（合计）" in page and "确认导入" in page
    # A 序号 dragged down past the data, and a 备注 line, are closing rows too.
    path = save(
        tmp_path / "b.xlsx",
        {"居民": [HEAD, rows[1], [2, "填表人：李四", None, None, None, None], [None, "备注：核实无误"]]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.skipped == [("居民", 3, "填表人"), ("居民", 4, "备注")]
    # The operators' command skips them too.
    result, _ = services.import_file(tmp_path / "台账.xlsx", world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and [s[1] for s in result.skipped] == [4, 5, 6]


def test_a_row_with_a_resident_is_never_taken_for_a_closing_row(world, tmp_path):
    """Only a row without an ID number is a closing row: 合计 in the 序号 column beside a
    person is still that person, checked as any other."""
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "a.xlsx",
        {"居民": [HEAD, ["合计", "钱三", person(303), "", building, "1单元502"]]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.skipped == [] and result.summary()["new"] == 1


def test_a_file_with_only_the_templates_example_row_says_nothing_is_imported(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """The template sent back unfilled passed the check and “imported” 0 rows, silently."""
    book = openpyxl.load_workbook(__import__("io").BytesIO(services.template_bytes()))
    path = tmp_path / "居民台账模板.xlsx"
    book.save(path)
    sheet = book["居民"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    _client, run = _check(world, tmp_path, rows, django_capture_on_commit_callbacks)
    assert run.status == "refused"
    assert "没有要导入的居民" in run.message and "示例行" in run.message
