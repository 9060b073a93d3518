"""Files that are not a register as the reader takes it: each refused with what to do."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.registry.models import ImportRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        # Nothing arrived: not a damaged file, nor one without headers.
        ("居民.xlsx", b"", "上传的文件是空的（0 字节）"),
        ("居民.csv", b"", "上传的文件是空的（0 字节）"),
        # An office's old template, and WPS's own format: named, with the way out.
        ("居民.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "不能直接导入旧版 Excel（.xls）文件"),
        ("居民.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "不能直接导入WPS 表格（.et）文件"),
    ],
)
def test_an_empty_file_or_an_old_format_is_refused_saying_what_to_do(world, name, content, said):
    client = Client()
    client.force_login(world.secretary_zhang)
    upload = SimpleUploadedFile(name, content)
    # Runs committed by other tests (the live server's, on PostgreSQL) stay: none is added.
    before = ImportRun.objects.count()

    r = client.post("/registry/import/", {"community": world.areas["A1"].code, "file": upload})

    page = r.content.decode()
    assert r.status_code == 400 and said in page
    if not content:
        assert "已损坏" not in page and "没有找到表头" not in page
    else:
        assert "另存为”Excel 工作簿（.xlsx）" in page
    assert ImportRun.objects.count() == before


@pytest.mark.parametrize(("separator", "encoding"), [(",", "gb18030"), ("\t", "gb18030"), ("\t", "utf-16")])
def test_a_systems_csv_with_tabs_or_numbers_kept_as_text_is_read(world, tmp_path, separator, encoding):
    """Other systems' exports: ID numbers written ="…" so that Excel keeps them as text,
    a "CSV" separated by tabs, and Excel's Unicode text (UTF-16, tabs) named .csv. Each
    read as the file means it."""
    from shequ.registry import services
    from shequ.registry.tests.helpers import person

    building = world.areas["A1-1-b"].name
    lines = [
        ["姓名", "身份证号", "联系电话", "楼栋", "门牌号"],
        ["钱一", f'="{person(8101)}"', '="13700008101"', building, "1单元101"],
        ["钱二", f'="{person(8102)}"', "", building, "1单元101"],
    ]
    path = tmp_path / "外部系统导出.csv"
    path.write_bytes("\r\n".join(separator.join(line) for line in lines).encode(encoding))

    result, mapping = services.import_file(path, world.areas["A1"].code, dry_run=True)

    assert [e.as_list() for e in result.errors] == []
    assert mapping["身份证号"] == "id_number" and result.summary()["new"] == 2
    assert {p.resident.id_number_masked for p in result.rows} == {
        n[:3] + "*" * 11 + n[-4:] for n in (person(8101), person(8102))
    }


def test_an_id_number_whose_x_was_left_off_is_named_so(world, tmp_path):
    """A number ending in X, typed or kept without it, was refused as "应为18位，现在是17位",
    which sends the worker to count digits instead of adding the X."""
    from datetime import date

    from shequ.people import idcard
    from shequ.registry import services
    from shequ.registry.tests.helpers import save

    numbers = (idcard.make("110105", date(1985, 4, 3), i, "F") for i in range(200))
    with_x = next(n for n in numbers if n.endswith("X"))
    other = idcard.make("110105", date(1985, 4, 3), 0, "M")
    assert not other.endswith("X")
    building = world.areas["A1-1-b"].name
    rows = [
        ["姓名", "身份证号", "楼栋", "门牌号"],
        ["孙一", with_x[:17], building, "101"],
        ["孙二", other[:17], building, "101"],
    ]
    path = save(tmp_path / "名单.xlsx", {"居民": rows})

    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)

    reasons = {e.row: e.reason for e in result.errors}
    assert reasons[2] == "身份证号只有17位；按前17位算，最后一位应为 X，可能漏填或被删去了，请补上 X"
    assert reasons[3] == "身份证号应为18位，现在是17位"  # no X to suggest: the digits are counted
    assert [e.column for e in result.errors] == ["身份证号", "身份证号"]
