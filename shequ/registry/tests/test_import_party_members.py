"""The 党员类型 column: how a deployment registers its party members (党员服务积分 and the
社区治理先锋 ranking read Resident.party_member_kind)."""

import pytest

from shequ.people.models import Resident
from shequ.registry import services
from shequ.registry.tests.helpers import person, save

pytestmark = pytest.mark.django_db

HEAD = ["姓名", "身份证号", "楼栋", "单元", "门牌号"]


def test_party_member_kind_is_imported_from_its_aliases_and_updated(world, tmp_path):
    building = world.areas["A1-1-b"].name
    first = save(
        tmp_path / "first.xlsx",
        {
            "S": [
                [*HEAD, "政治面貌"],
                ["党一", person(61), building, "5", "501", "中共党员"],
                ["党二", person(62), building, "5", "501", "在职党员"],
                ["党三", person(63), building, "5", "501", "群众"],
                ["党四", person(64), building, "5", "501", ""],
            ]
        },
    )
    result, mapping = services.import_file(first, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and mapping["政治面貌"] == "party_member_kind"
    kinds = dict(Resident.objects.filter(name__startswith="党").values_list("name", "party_member_kind"))
    assert kinds == {"党一": "local", "党二": "in_service", "党三": "", "党四": ""}

    # A re-import changes what it gives (否 = not a member) and keeps what it leaves blank.
    again = save(
        tmp_path / "again.xlsx",
        {
            "S": [
                [*HEAD, "是否党员"],
                ["党一", person(61), building, "5", "501", "否"],
                ["党二", person(62), building, "5", "501", ""],
                ["党三", person(63), building, "5", "501", "流动党员"],
            ]
        },
    )
    result, _ = services.import_file(again, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["changed"] == 2
    kinds = dict(Resident.objects.filter(name__startswith="党").values_list("name", "party_member_kind"))
    assert kinds == {"党一": "", "党二": "in_service", "党三": "floating", "党四": ""}


def test_an_unknown_party_member_kind_is_a_row_error_naming_the_column_and_choices(world, tmp_path):
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "bad.xlsx",
        {"S": [[*HEAD, "党员类别"], ["党五", person(65), building, "5", "502", "老党员"]]},
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert [e.as_list() for e in result.errors] == [
        [
            "S",
            2,
            "党员类别",
            "老党员",
            "党员类型“老党员”无法识别，可填：社区党员、在职党员、流动党员、无职党员，或政治面貌"
            "（中共党员、中共预备党员按社区党员）；不是党员填群众、否或其他政治面貌"
            "（如共青团员、民主党派成员、无党派人士）",
        ]
    ]
    assert not Resident.objects.filter(name="党五").exists()


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("中国共产党党员", "local"),
        ("中国共产党预备党员", "local"),
        ("无职党员", "no_post"),
        ("中国共产主义青年团团员", ""),
        ("中国国民党革命委员会会员", ""),
        ("民革党员", ""),
        ("中国民主同盟盟员", ""),
        ("民建会员", ""),
        ("民进会员", ""),
        ("农工党党员", ""),
        ("致公党党员", ""),
        ("九三学社社员", ""),
        ("台盟盟员", ""),
        ("无党派民主人士", ""),
        ("少先队员", ""),
        ("民主党派", ""),
    ],
)
def test_standard_political_status_values_import(world, tmp_path, value, kind):
    """A 政治面貌 column (mapped to 党员类型 by its alias) holding GB/T 4762 values refused
    its rows, and one refused row stops the whole file."""
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "f.xlsx",
        {"S": [[*HEAD, "政治面貌"], ["面貌", person(71), building, "5", "501", value]]},
    )
    result, mapping = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert mapping["政治面貌"] == "party_member_kind"
    assert result.errors == [], [e.as_list() for e in result.errors]
    assert Resident.objects.get(name="面貌").party_member_kind == kind


def test_the_template_notes_name_the_other_political_statuses(world):
    import io

    import openpyxl

    notes = [r[0] for r in openpyxl.load_workbook(io.BytesIO(services.template_bytes()))["填写说明"].values]
    (line,) = [n for n in notes if n.startswith("党员类型：")]
    assert "无职党员" in line and "共青团员" in line and "民主党派" in line
