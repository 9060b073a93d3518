from datetime import date

import openpyxl
import pytest

from shequ.access.models import AuditEvent
from shequ.people import idcard
from shequ.people.models import CareGroup, Household, Resident
from shequ.registry import cells, services
from shequ.registry.importing import ADD_BUILDING
from shequ.registry.tests.helpers import person, save

pytestmark = pytest.mark.django_db

WANG = idcard.make("110105", date(1980, 3, 4), 11, "M")
FULL_WIDTH = WANG.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
BAD_CHECK = WANG[:17] + ("0" if WANG[17] != "0" else "1")
LIU = idcard.make("110105", date(1975, 6, 7), 12, "F")


def messy_workbook(world, path):
    """Every cell problem of the issue in one workbook: a merged title and a header cell
    merged over two columns, different header names, full-width digits, spaces, date
    serials and text dates, an ID number stored as a number, a blank row, two sheets."""
    building = world.areas["A1-1-b"].name
    elsewhere = world.full_values[world.residents["B1-1-h1-r1"].pk][0]
    first: list[list[object]] = [
        ["城区社区居民信息登记表"],
        ["居民姓名", "公民身份号码", None, "手机号", "与户主关系", "楼号", "单元", "房号", "出生日期"],
        [" 王五 ", FULL_WIDTH, "备注", "１３７００００００１１", "户主", building, "１", "１０１", 29284],
        ["赵六", BAD_CHECK, "", "13700000012", "子女", building, "1", "101", None],
        ["刘七", LIU, "", "13700000013", "配偶", building, "1", "101", "1975/06/08"],
        ["孙八", 150784198001010012, "", "13700000014", "户主", building, "2", "202", None],
        [None, None, None, None, None, None, None, None, None],
        ["王五", WANG, "", "13700000015", "户主", building, "1", "101", None],
        ["周九", person(21), "", "13700000016", "户主", "9号楼", "1", "101", None],
        ["", person(22), "", "13700000017", "户主", building, "1", "102", None],
        ["吴十", elsewhere, "", "13700000018", "户主", building, "1", "103", None],
    ]
    second = [
        ["姓名", "身份证号", "性别", "楼栋", "门牌号"],
        ["郑一", person(23, gender="M"), "女", building, "2单元201"],
        ["冯二", person(24), "男", building, "2单元201"],
    ]
    return save(path, {"一网格": first, "二网格": second}, {"一网格": ["A1:I1", "B2:C2"]})


def test_messy_workbook_gives_the_exact_error_report_and_writes_nothing(world, tmp_path):
    path = messy_workbook(world, tmp_path / "登记表.xlsx")
    elsewhere = world.full_values[world.residents["B1-1-h1-r1"].pk][0]
    residents, households, events = (
        Resident.objects.count(),
        Household.objects.count(),
        AuditEvent.objects.count(),
    )

    result, mapping = services.import_file(path, world.areas["A1"].code, dry_run=False)

    assert mapping["居民姓名"] == "name" and mapping["公民身份号码"] == "id_number"
    assert mapping["手机号"] == "phone" and mapping["楼号"] == "building" and mapping["房号"] == "room"
    assert [e.as_list() for e in result.errors] == [
        ["一网格", 4, "公民身份号码", BAD_CHECK[:3] + "*" * 11 + BAD_CHECK[-4:],
         f"身份证号校验位错误：最后一位应为 {WANG[17]}，填写的是 {BAD_CHECK[17]}"],
        ["一网格", 5, "出生日期", "1975/06/08", "出生日期与身份证号不符：身份证号显示为1975年06月07日"],
        ["一网格", 6, "公民身份号码", "1.50784E+17",
         "身份证号被 Excel 存成了数字（1.50784E+17），后几位已丢失；请把该列设为文本后重新录入"],
        ["一网格", 8, "公民身份号码", WANG[:3] + "*" * 11 + WANG[-4:], "身份证号与第3行重复"],
        ["一网格", 9, "楼号", "9号楼", "楼栋“9号楼”在本社区不存在" + ADD_BUILDING],
        ["一网格", 10, "居民姓名", "", "姓名必填"],
        ["一网格", 11, "公民身份号码", elsewhere[:3] + "*" * 11 + elsewhere[-4:],
         "该身份证号已登记在本社区以外的户中；导入只登记本社区的居民，系统暂不能把居民迁到另一个社区，请删去本行后再导入"],
        ["二网格", 2, "性别", "女", "性别与身份证号不符：身份证号显示为男"],
    ]  # fmt: skip
    assert result.summary()["refused"] == 8
    assert result.summary()["new"] == 2  # 王五 (row 3) and 冯二 would be new
    assert (Resident.objects.count(), Household.objects.count()) == (residents, households)
    assert AuditEvent.objects.count() == events


def test_cleaned_cells_are_stored_as_clean_values(world, tmp_path):
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "ok.xlsx",
        {
            "Sheet1": [
                ["姓名", "身份证号", "联系电话", "与户主关系", "楼栋", "单元", "门牌号", "出生日期"],
                [" 王五 ", FULL_WIDTH, "１３７００００００１１", "户主", building, "１", "１０１", 29284],
            ]
        },
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == []
    wang = Resident.objects.get(name="王五")
    assert wang.birth_date == date(1980, 3, 4)  # the serial 29284
    assert wang.phone_masked == "137****0011"
    assert wang.household.address == "1单元101"
    assert wang.area_path.startswith(world.areas["A1-1-b"].path)


def test_error_report_downloads_as_xlsx(world, tmp_path):
    path = messy_workbook(world, tmp_path / "登记表.xlsx")
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    out = tmp_path / "errors.xlsx"
    services.write_errors(result.errors, out=str(out))
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("工作表", "行号", "列", "内容", "原因")
    assert len(rows) == 1 + len(result.errors)
    # The reason says how a missing building is added (there is no page for it).
    assert rows[5] == (
        "一网格",
        9,
        "楼号",
        "9号楼",
        "楼栋“9号楼”在本社区不存在（新楼栋请管理员用 shequ areas add --kind building 添加）",
    )


def test_address_column_finds_building_and_door(world, tmp_path):
    building = world.areas["A1-2-b"].name
    path = save(
        tmp_path / "addr.csv.xlsx",
        {"S": [["姓名", "身份证号", "现住址"], ["陈一", person(31), f"{building}3单元502室"]]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == []
    planned = result.rows[0].resident
    assert planned.household.address == "3单元502"
    assert planned.household.building == world.areas["A1-2-b"]


def test_csv_in_gb18030_is_read(world, tmp_path):
    building = world.areas["A1-1-b"].name
    text = f"姓名,身份证号,楼栋,门牌号\n李一,{person(41)},{building},1单元909\n"
    path = tmp_path / "居民.csv"
    path.write_bytes(text.encode("gb18030"))
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.summary()["new"] == 1


def test_missing_required_column_is_refused_with_its_name(world, tmp_path):
    path = save(tmp_path / "x.xlsx", {"S": [["姓名", "身份证号", "电话"], ["李一", person(41), ""]]})
    with pytest.raises(Exception) as exc:
        services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert "没有列对应“楼栋”（必填）" in str(exc.value)


def test_reimport_without_the_optional_columns_keeps_what_is_registered(world, tmp_path):
    building = world.areas["A1-1-b"].name
    head = ["姓名", "身份证号", "联系电话", "与户主关系", "人口类型", "重点人群", "楼栋", "单元", "门牌号"]
    rows = [
        ["钱一", person(51), "13700000051", "户主", "流动人口", "独居老人、低保户", building, "3", "301"],
        ["钱二", person(52), "13700000052", "配偶", "", "", building, "3", "301"],
    ]
    first = save(tmp_path / "full.xlsx", {"S": [head, *rows]})
    result, _ = services.import_file(first, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["new"] == 2
    before = {
        r.name: (r.phone_hash, r.phone_masked, r.relation, r.residence_type, r.care_tags)
        for r in Resident.objects.filter(name__in=["钱一", "钱二"])
    }
    assert before["钱一"][2:] == ("head", "floating", ",elderly_alone,low_income,")

    # Only the columns that identify the resident and the household; then the same
    # columns mapped but left blank.
    short = save(
        tmp_path / "short.xlsx",
        {"S": [["姓名", "身份证号", "楼栋", "单元", "门牌号"], *[[r[0], r[1], *r[6:]] for r in rows]]},
    )
    blank = save(tmp_path / "blank.xlsx", {"S": [head, *[[*r[:2], "", "", "", "", *r[6:]] for r in rows]]})
    for path in (short, blank):
        result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
        assert result.errors == []
        assert result.summary()["unchanged"] == 2 and result.summary()["changed"] == 0
        after = {
            r.name: (r.phone_hash, r.phone_masked, r.relation, r.residence_type, r.care_tags)
            for r in Resident.objects.filter(name__in=["钱一", "钱二"])
        }
        assert after == before

    # A column that is given still changes the value.
    changed = save(tmp_path / "phone.xlsx", {"S": [head, [*rows[0][:2], "13700000099", *rows[0][3:]]]})
    result, _ = services.import_file(changed, world.areas["A1"].code, dry_run=False)
    assert result.summary()["changed"] == 1
    assert Resident.objects.get(name="钱一").phone_masked == "137****0099"


def test_a_birth_date_stored_as_the_number_19800304_is_read():
    assert cells.a_date(19800304) == date(1980, 3, 4)
    assert cells.a_date(19800304.0) == date(1980, 3, 4)
    assert cells.a_date(29284) == date(1980, 3, 4)  # an Excel serial still is one
    with pytest.raises(cells.CellError):
        cells.a_date(19801332.0)


def test_an_excel_date_serial_written_as_text_is_read(world, tmp_path):
    """A CSV, or a column set to text after the dates were typed, holds the serial as
    text ("29284"): every such row was refused as 无法识别, though the number cell was read."""
    assert cells.a_date("29284") == date(1980, 3, 4)
    assert cells.a_date("２９２８４") == date(1980, 3, 4)
    assert cells.a_date(" 29284.0 ") == date(1980, 3, 4)
    for odd in ("80", "1980", "292840"):  # a year, or too many digits: not a serial
        with pytest.raises(cells.CellError):
            cells.a_date(odd)
    building = world.areas["A1-1-b"].name
    csv = tmp_path / "dates.csv"
    csv.write_text(f"姓名,身份证号,楼栋,门牌号,出生日期\n王五,{WANG},{building},1单元808,29284\n", "utf-8")
    result, _ = services.import_file(csv, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.summary()["new"] == 1


def test_care_tags_as_registers_write_them_and_a_refusal_lists_the_categories():
    """Registers write 低保 and 残疾 for 低保户 and 残疾人: each was refused with
    "不在可选类别中", and nothing on the page or in the template said what was."""
    assert cells.care_tags("低保、残疾") == ("disabled", "low_income")
    assert cells.care_tags("独居，失业") == ("elderly_alone", "unemployed")
    with pytest.raises(cells.CellError) as refused:
        cells.care_tags("低保、空巢老人")
    message = str(refused.value)
    assert message.startswith("重点人群“空巢老人”不在可选类别中，可填：")
    assert all(str(label) in message for label in CareGroup.labels)


def test_relations_as_the_household_register_writes_them_are_read():
    """A 户口簿's relations (GB/T 4761): three-generation households have 儿媳 and 女婿, and
    every such row was refused with 与户主关系“儿媳”无法识别."""
    from shequ.people.models import Relation

    expected = {
        "儿媳": Relation.CHILD,
        "女婿": Relation.CHILD,
        "独生子": Relation.CHILD,
        "养女": Relation.CHILD,
        "外孙子": Relation.GRANDCHILD,
        "孙媳妇": Relation.GRANDCHILD,
        "岳母": Relation.PARENT,
        "公公": Relation.PARENT,
        "继父": Relation.PARENT,
        "嫂子": Relation.SIBLING,
        "弟媳": Relation.SIBLING,
        "姐夫": Relation.SIBLING,
        "祖母": Relation.OTHER,
        "侄子": Relation.OTHER,
        "非亲属": Relation.OTHER,
    }
    assert {word: cells.relation(word) for word in expected} == expected
    with pytest.raises(cells.CellError):
        cells.relation("朋友的朋友")


def test_residence_types_as_registers_write_them_are_read():
    """暂住人口 and 外来人口 (a 暂住证 register's words) were refused: 应为户籍人口或流动人口."""
    for word in ("暂住人口", "外来人口", "流入人口"):
        assert cells.residence_type(word) == "floating", word
    for word in ("常住人口", "户籍人员", "本地户籍"):
        assert cells.residence_type(word) == "registered", word


def test_a_birth_date_written_with_a_time_of_day_is_read():
    """Other systems export dates as text with a time: every row was refused."""
    assert cells.a_date("1980-01-02 00:00:00") == date(1980, 1, 2)
    assert cells.a_date("1980/1/2 0:00") == date(1980, 1, 2)
    assert cells.a_date("1980-01-02T00:00:00.000") == date(1980, 1, 2)
    with pytest.raises(cells.CellError):
        cells.a_date("1980-01-02 上午")


def test_birth_date_column_of_numbers_imports(world, tmp_path):
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "dates.xlsx",
        {
            "S": [
                ["姓名", "身份证号", "楼栋", "门牌号", "出生日期"],
                ["王五", WANG, building, "1单元808", 19800304],
            ]
        },
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == [] and result.rows[0].resident.birth_date == date(1980, 3, 4)


def test_id_numbers_that_lost_digits_are_shown_as_excel_shows_them_not_in_full(world, tmp_path):
    lost = "150784198001010000"
    valid_000 = "150784198001028000"  # a real number may end in 000: its check digit is 0
    for value in (150784198001010012, 1.5078419800101e17, float(lost), "1.5078419800101E+17", lost):
        with pytest.raises(cells.CellError, match=r"1\.50784E\+17.*后几位已丢失"):
            cells.id_number(value)
        shown = cells.shown_id_number(value) if not isinstance(value, str) or "E" in value else ""
        assert "19800101" not in shown
    assert cells.id_number(valid_000) == valid_000

    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "lost.xlsx",
        {"S": [["姓名", "身份证号", "楼栋", "门牌号"], ["孙八", 1.5078419800101e17, building, "1单元909"]]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    (error,) = result.errors
    assert error.value == "1.50784E+17"
    assert "19800101" not in str(error.as_list())


def test_building_and_door_merged_over_a_household_apply_to_every_member(world, tmp_path):
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "merged.xlsx",
        {
            "S": [
                ["姓名", "身份证号", "与户主关系", "楼栋", "单元", "门牌号"],
                ["钱三", person(61), "户主", building, "4", "401"],
                ["钱四", person(62), "配偶", None, None, None],
                ["钱五", person(63), "子女", None, None, None],
            ]
        },
        {"S": ["D2:D4", "E2:E4", "F2:F4"]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert result.errors == []
    assert result.summary()["new"] == 3 and len(result.new_households) == 1
    assert {p.resident.household.address for p in result.rows} == {"4单元401"}


def test_rows_with_only_a_serial_number_or_formula_leftovers_are_blank(world, tmp_path):
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "numbered.xlsx",
        {
            "S": [
                ["序号", "姓名", "身份证号", "楼栋", "门牌号", "合计"],
                [1, "钱六", person(64), building, "4单元402", 1],
                [2, None, None, None, None, 0],
                [3, "", "", "", "", ""],
            ]
        },
    )
    result, mapping = services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert not mapping.get("序号") and not mapping.get("合计")
    assert result.errors == []
    assert result.summary()["new"] == 1 and result.summary()["total"] == 1


def test_a_repeated_id_number_is_reported_even_when_either_row_has_other_errors(world, tmp_path):
    building = world.areas["A1-1-b"].name
    a, b = person(71, gender="M"), person(72, gender="M")
    path = save(
        tmp_path / "dups.xlsx",
        {
            "S": [
                ["姓名", "身份证号", "性别", "联系电话", "楼栋", "门牌号"],
                ["钱七", a, "男", "12345", building, "5单元501"],  # bad phone
                ["钱七", a, "男", "13700000071", building, "5单元501"],  # otherwise valid
                ["钱八", b, "男", "13700000072", building, "5单元502"],
                ["钱八", b, "女", "13700000072", building, "5单元502"],  # wrong gender too
            ]
        },
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    reasons = {(e.row, e.reason) for e in result.errors}
    assert (3, "身份证号与第2行重复") in reasons
    assert (5, "身份证号与第4行重复") in reasons
    assert any(row == 2 for row, _ in reasons) and any(row == 5 and "性别" in r for row, r in reasons)
    assert result.summary()["refused"] == 3


def test_address_column_does_not_take_1栋_inside_11栋_and_refuses_ambiguous_names(world, tmp_path):
    from shequ.areas.services import create_area

    grid, other_grid = world.areas["A1-1"], world.areas["A1-2"]
    one = create_area(code=f"{grid.code}T01", name="1栋", kind="building", parent=grid)
    create_area(code=f"{grid.code}T03", name="3栋", kind="building", parent=grid)
    create_area(code=f"{other_grid.code}T03", name="3栋", kind="building", parent=other_grid)
    path = save(
        tmp_path / "addr.xlsx",
        {
            "S": [
                ["姓名", "身份证号", "现住址"],
                ["褚一", person(81), "11栋2单元301"],
                ["褚二", person(82), "21栋2单元301"],
                ["褚三", person(83), "1栋2单元301"],
                ["褚四", person(84), "3栋1单元101"],
            ]
        },
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)
    reasons = {e.row: e.reason for e in result.errors}
    assert reasons[2] == "现住址“11栋2单元301”中没有找到本社区的楼栋" + ADD_BUILDING
    assert reasons[3] == "现住址“21栋2单元301”中没有找到本社区的楼栋" + ADD_BUILDING
    assert 4 not in reasons
    assert reasons[5] == "现住址“3栋1单元101”中的楼栋在本社区有多处（3栋），请填写楼栋列"
    (planned,) = [p.resident for p in result.rows]
    assert planned.household.building == one and planned.household.address == "2单元301"


def test_a_resident_moved_by_import_takes_floating_profile_and_care_records_along(world, tmp_path):
    from django.utils import timezone

    from shequ.people.models import CareRecord, FloatingProfile
    from shequ.people.services import FloatingInput, record_care, set_floating

    mover = world.residents["A1-1-h2-r2"]
    Resident.objects.filter(pk=mover.pk).update(residence_type="floating", care_tags=",low_income,")
    zhang = world.secretary_zhang
    set_floating(zhang, mover.pk, FloatingInput(employer="某厂"))
    record_care(zhang, mover.pk, "phone", "电话问候", timezone.localdate())
    number = world.full_values[mover.pk][0]
    target = world.areas["A1-2-b"]
    path = save(
        tmp_path / "move.xlsx",
        {"S": [["姓名", "身份证号", "楼栋", "门牌号"], [mover.name, number, target.name, "7单元701"]]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["moved"] == 1
    moved = Resident.objects.get(pk=mover.pk)
    assert moved.area_path.startswith(target.path) and moved.area_path != mover.area_path
    assert FloatingProfile.objects.get(resident=moved).area_path == moved.area_path
    assert set(CareRecord.objects.filter(resident=moved).values_list("area_path", flat=True)) == {
        moved.area_path
    }
    # Their login's resident role follows them: the new household's, not the old one's.
    from shequ.access.models import RoleAssignment
    from shequ.access.services import add_user

    login = add_user(
        "mover-login",
        "pass-2026-xyz",
        role="resident",
        area_code=moved.household.code,
        resident=moved,
        check_password=False,
    )
    back = save(
        tmp_path / "back.xlsx",
        {
            "S": [
                ["姓名", "身份证号", "楼栋", "门牌号"],
                [mover.name, number, world.areas["A1-1-b"].name, "9单元901"],
            ]
        },
    )
    result, _ = services.import_file(back, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["moved"] == 1
    home = Resident.objects.get(pk=mover.pk).household
    assert list(RoleAssignment.objects.filter(user=login).values_list("household_id", "path")) == [
        (home.pk, home.area_path)
    ]


def test_the_import_checks_and_writes_with_the_cycle_collector_paused(world, tmp_path, monkeypatch):
    import gc

    from shequ.registry import importing

    seen = []
    real_plan = importing.plan

    def plan(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(importing, "plan", plan)
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "a.xlsx",
        {"居民": [["姓名", "身份证号", "楼栋", "门牌号"], ["王五", WANG, building, "101"]]},
    )
    services.import_file(path, world.areas["A1"].code, dry_run=True)
    assert seen == [False] and gc.isenabled()


def test_a_resident_moved_by_import_takes_their_skills_entry_along(world, tmp_path):
    """The skills registry (能人、才人、艺人) is seen by the community a person lives in:
    after a move the old community's staff no longer see them, the new one's do."""
    from shequ.access.roles import Permission
    from shequ.tasks.models import Talent
    from shequ.tasks.services import add_talent

    mover = world.residents["A1-1-h2-r2"]
    talent = add_talent(world.secretary_zhang, mover.pk, "able", "家电维修", "空调维修")
    target = world.areas["A1-2-b"]
    path = save(
        tmp_path / "move.xlsx",
        {
            "S": [
                ["姓名", "身份证号", "楼栋", "门牌号"],
                [mover.name, world.full_values[mover.pk][0], target.name, "7单元701"],
            ]
        },
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["moved"] == 1
    talent.refresh_from_db()
    assert talent.area_path == Resident.objects.get(pk=mover.pk).area_path
    assert talent.area_path.startswith(target.path)
    assert (
        Talent.objects.visible_to(world.grid_worker_li, Permission.RESOURCE_VIEW).filter(pk=talent.pk).count()
        == 0
    )
