"""The import's error report and its template: what a worker reads, and what they send back."""

import io

import openpyxl
import pytest

from shequ.registry import services
from shequ.registry.tests.helpers import person, save

pytestmark = pytest.mark.django_db


def _errors(world, tmp_path, rows):
    path = save(tmp_path / "in.xlsx", {"S": rows})
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    return [e.as_list() for e in result.errors]


def test_the_error_report_never_quotes_a_refused_number_in_full(world, tmp_path):
    """The 内容 column was masked, but the 原因 column repeated the phone or the old
    15-digit ID number as typed, to staff who may not see full numbers."""
    building = world.areas["A1-1-b"].name
    (row,) = _errors(
        world,
        tmp_path,
        [
            ["姓名", "身份证号", "联系电话", "楼栋", "门牌号"],
            ["李一", person(61), "1381234567", building, "1单元909"],
        ],
    )
    assert "1381234567" not in row[3] and "1381234567" not in row[4] and "有效" in row[4]
    old = 150784740716001  # an old 15-digit ID number, kept by Excel as a number
    (row,) = _errors(
        world, tmp_path, [["姓名", "身份证号", "楼栋", "门牌号"], ["李二", old, building, "1单元909"]]
    )
    assert str(old) not in row[3] and str(old) not in row[4] and "被存成了数字" in row[4]


def test_the_templates_example_row_is_never_registered(world, tmp_path):
    """A worker who typed residents under the template's 张三 registered him too; every
    other community that did the same then had its row 2 refused as registered elsewhere."""
    from shequ.areas.models import AreaKind
    from shequ.areas.services import create_area
    from shequ.people.models import Resident

    create_area(
        code=f"{world.areas['A1-1'].code}009", name="1栋", kind=AreaKind.BUILDING, parent=world.areas["A1-1"]
    )
    book = openpyxl.load_workbook(io.BytesIO(services.template_bytes()))
    sheet = book["居民"]
    assert [c.value for c in sheet[2]][:2] == ["张三", "11010519491231002X"]
    sheet.append(["李四", person(71), "", "", "", "户主", "1栋", "1", "101", "", "", ""])
    book.save(tmp_path / "filled.xlsx")
    result, _ = services.import_file(tmp_path / "filled.xlsx", world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["new"] == 1
    assert not Resident.objects.filter(name="张三").exists()
    assert Resident.objects.filter(name="李四").exists()


def test_a_damaged_workbook_is_named_in_chinese_with_what_to_do(world, tmp_path):
    from shequ.core.errors import ValidationFailed

    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(ValidationFailed) as exc:
        services.import_file(path, world.areas["A1"].code, dry_run=True)
    said = exc.value.fields["file"]
    assert "文件已损坏" in said and "另存为 .xlsx" in said and "Zip" not in said


def test_a_building_found_by_its_number_and_a_unit_written_in_chinese(world, tmp_path):
    """3号楼 or 3 did not find 平安3号楼 (a name with a prefix), and 一单元 was another door
    than 1单元: a re-import moved the person into a new household at the same door."""
    from shequ.areas.models import AreaKind
    from shequ.areas.services import create_area
    from shequ.people.models import Resident

    grid = world.areas["A1-1"]
    create_area(code=f"{grid.code}008", name="平安3号楼", kind=AreaKind.BUILDING, parent=grid)
    head = ["姓名", "身份证号", "楼栋", "单元", "门牌号"]
    path = save(tmp_path / "a.xlsx", {"S": [head, ["黎明晓", person(81), "3号楼", "1", "301"]]})
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == []
    first = Resident.objects.get(name="黎明晓", area_path__startswith=world.areas["A1"].path)
    assert first.household.building.name == "平安3号楼" and first.household.address == "1单元301"
    again = save(tmp_path / "b.xlsx", {"S": [head, ["黎明晓", person(81), "3", "一单元", "301"]]})
    result, _ = services.import_file(again, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.summary()["moved"] == 0 and result.new_households == []


def test_a_household_registered_with_its_unit_in_chinese_is_found_again(world, tmp_path):
    """Households stored before units were read as numbers keep 二单元301 as their door;
    the same register imported again reads 2单元301 and must find them, not make new ones."""
    from shequ.people.services import register_household

    building = world.areas["A1-1-b"]
    old = register_household(building=building, address="二单元301")
    head = ["姓名", "身份证号", "楼栋", "单元", "门牌号"]
    path = save(tmp_path / "a.xlsx", {"S": [head, ["黎明晓", person(82), building.name, "二单元", "301"]]})
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.new_households == []
    assert [p.resident.household_id for p in result.rows] == [old.pk]


def test_a_workbook_with_a_cell_at_its_far_corner_is_refused_not_read(world, tmp_path):
    """One stray value at XFD1048576 in a 5 KB file made the reader ask for 512 GB, and
    the worker process was aborted (no answer at all)."""
    import xlsxwriter

    from shequ.core.errors import ValidationFailed

    path = tmp_path / "corner.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("居民")
    for col, head in enumerate(["姓名", "身份证号", "楼栋", "门牌号"]):
        sheet.write_string(0, col, head)
    sheet.write_string(1048575, 16383, "x")
    book.close()
    assert path.stat().st_size < 20_000
    with pytest.raises(ValidationFailed) as exc:
        services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert "第 1048576 行、第 16384 列" in exc.value.fields["file"]


def test_formatting_alone_far_down_the_sheet_is_no_reason_to_refuse(world, tmp_path):
    """A cleared cell that kept its fill at A1048576 (or a column formatted to the bottom)
    has nothing in it; the reader skips it, and the size check must too."""
    import openpyxl
    from openpyxl.styles import PatternFill

    path = tmp_path / "formatted.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "楼栋", "门牌号"])
    sheet.append(["黎明晓", person(83), world.areas["A1-1-b"].name, "1单元301"])
    sheet["A1048576"].fill = PatternFill("solid", fgColor="FFFF00")
    sheet["XFD7"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(path)
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.summary()["new"] == 1


def test_a_wide_sheet_is_measured_by_its_rows_under_100000_too(world, tmp_path):
    """Rows of five digits are only looked for in sheets wider than 100 columns, where
    60,001 rows already pass the ten million cells."""
    import xlsxwriter

    from shequ.core.errors import ValidationFailed

    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("居民")
    sheet.write_string(0, 0, "姓名")
    sheet.write_string(0, 200, "x")
    sheet.write_string(60000, 0, "y")
    book.close()
    with pytest.raises(ValidationFailed) as exc:
        services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert "第 60001 行、第 201 列" in exc.value.fields["file"]


def test_a_hidden_sheet_of_dropdown_lists_is_not_imported(world, tmp_path):
    """Offices' own templates keep their dropdown lists (性别, 与户主关系, 人口类型…) on a
    hidden sheet: its header was recognised, and its rows, which nobody can see in Excel,
    refused the whole file (姓名必填, 身份证号必填, 楼栋必填 on every one)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    building = world.areas["A1-1-b"].name
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "居民"
    sheet.append(["姓名", "身份证号", "楼栋", "门牌号"])
    sheet.append(["钱多多", person(71), building, "1单元707"])
    lists = book.create_sheet("下拉选项")
    lists.append(["性别", "与户主关系", "人口类型"])
    for row in (["男", "户主", "户籍人口"], ["女", "配偶", "流动人口"]):
        lists.append(row)
    lists.sheet_state = "hidden"
    path = tmp_path / "登记表.xlsx"
    book.save(path)

    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)

    assert result.errors == [] and result.summary()["total"] == 1 and result.summary()["new"] == 1
    upload = SimpleUploadedFile("登记表.xlsx", path.read_bytes())
    run = services.start_import(world.secretary_zhang, world.areas["A1"].code, upload)
    assert run.total_rows == 1 and "隐藏的工作表没有导入：下拉选项" in run.message


def test_the_checks_message_still_names_the_sheets_left_out(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """The upload named the hidden sheet, but the check's 检查通过 replaced it: who
    confirmed the import later no longer read that a sheet of the file was left out."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shequ.registry.models import ImportRun, ImportStatus

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "居民"
    sheet.append(["姓名", "身份证号", "楼栋", "门牌号"])
    sheet.append(["钱多多", person(72), world.areas["A1-1-b"].name, "1单元708"])
    more = book.create_sheet("二期居民")
    more.append(["姓名", "身份证号", "楼栋", "门牌号"])
    more.append(["钱少少", person(73), world.areas["A1-1-b"].name, "1单元709"])
    more.sheet_state = "hidden"
    path = tmp_path / "登记表.xlsx"
    book.save(path)
    upload = SimpleUploadedFile("登记表.xlsx", path.read_bytes())
    run = services.start_import(world.secretary_zhang, world.areas["A1"].code, upload)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_mapping(world.secretary_zhang, run.pk, run.mapping)
    run = ImportRun.objects.get(pk=run.pk)
    assert run.status == ImportStatus.CHECKED
    assert run.message.startswith("检查通过") and "隐藏的工作表没有导入：二期居民" in run.message


def test_the_template_notes_list_the_care_groups(world):
    """The notes said only 重点人群可填多个: which words were taken (低保户, not 低保?)
    was learnt from the refusals."""
    from shequ.people.models import CareGroup

    notes = [r[0] for r in openpyxl.load_workbook(io.BytesIO(services.template_bytes()))["填写说明"].values]
    (line,) = [n for n in notes if n.startswith("重点人群：")]
    assert all(str(label) in line for label in CareGroup.labels)
