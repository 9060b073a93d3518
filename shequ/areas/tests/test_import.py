import pytest
from django.core.management import call_command

from shequ.areas.models import Area
from shequ.areas.paths import under
from shequ.areas.services import short_name

pytestmark = pytest.mark.django_db


def test_short_names():
    assert short_name("兴达社区居委会") == "兴达社区"
    assert short_name("春元里社区居民委员会") == "春元里社区"
    assert short_name("新城村村委会") == "新城村"


def test_import_from_the_projects_divisions_file(capsys):
    from shequ.demo.generator import DIVISIONS

    call_command("areas", "import", str(DIVISIONS), "--street", "150784001")
    street = Area.objects.get(code="150784001")
    names = list(Area.objects.filter(parent=street).values_list("name", flat=True))
    assert street.path == "/150784001/"
    assert names == ["兴达社区", "平安社区", "广安社区", "新华社区", "农垦社区", "和谐社区", "新城村"]
    assert Area.objects.get(code="150784001012").path == "/150784001/150784001012/"
    # Importing again changes nothing (counted, not assumed: the session's demo, when
    # loaded first, has this street's grids and buildings under it too).
    before = Area.objects.filter(under(street.path, "path")).count()
    call_command("areas", "import", str(DIVISIONS), "--street", "150784001")
    assert Area.objects.filter(under(street.path, "path")).count() == before
    assert Area.objects.filter(parent=street).count() == 7


def test_import_from_china_division_streets_and_villages(tmp_path):
    streets = tmp_path / "streets.csv"
    villages = tmp_path / "villages.csv"
    streets.write_text(
        'code,name,areaCode,provinceCode,cityCode\n522635001,"杏山街道",522635,52,5226\n'
        '522635002,"谷硐镇",522635,52,5226\n',
        encoding="utf-8",
    )
    villages.write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '522635001001,"城江社区居民委员会",522635001,52,5226,522635\n'
        '522635001002,"群英社区居民委员会",522635001,52,5226,522635\n'
        '522635002001,"别处村村民委员会",522635002,52,5226,522635\n'
        '522635002002,"沙坝社区居民委员会",522635002,52,5226,522635\n',
        encoding="utf-8",
    )
    # 谷硐镇: a street neither the demo nor the personas have, so its children are the file's.
    call_command("areas", "import", str(streets), str(villages), "--street", "522635002")
    street = Area.objects.get(code="522635002")
    assert street.name == "谷硐镇"
    assert list(street.children.values_list("name", flat=True)) == ["别处村", "沙坝社区"]


def test_unknown_street_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    from shequ.demo.generator import DIVISIONS

    with pytest.raises(CommandError, match="没有街道编码 999999999"):
        call_command("areas", "import", str(DIVISIONS), "--street", "999999999")


def test_a_division_file_saved_by_excel_in_gbk_is_read(tmp_path):
    """A streets.csv/villages.csv opened and saved again in Excel on a Chinese Windows is
    GBK: the command stopped with a UnicodeDecodeError traceback; a folder, with another."""
    from django.core.management.base import CommandError

    streets = tmp_path / "streets.csv"
    villages = tmp_path / "villages.csv"
    streets.write_bytes(
        "code,name,areaCode,provinceCode,cityCode\n522635003,宣威镇,522635,52,5226\n".encode("gbk")
    )
    villages.write_bytes(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "522635003001,宣威社区居民委员会,522635003,52,5226,522635\n".encode("gbk")
    )
    call_command("areas", "import", str(streets), str(villages), "--street", "522635003")
    street = Area.objects.get(code="522635003")
    assert street.name == "宣威镇"
    assert list(street.children.values_list("name", flat=True)) == ["宣威社区"]
    with pytest.raises(CommandError, match="是文件夹"):
        call_command("areas", "import", str(tmp_path), "--street", "522635003")
