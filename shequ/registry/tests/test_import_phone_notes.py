"""A phone cell as registers write it: the number with a note saying whose it is."""

import pytest

from shequ.people.models import Resident
from shequ.people.phones import normalize
from shequ.registry import services
from shequ.registry.tests.helpers import person, save

pytestmark = pytest.mark.django_db

HEAD = ["序号", "姓名", "身份证号", "联系电话", "楼栋", "门牌号"]


def test_a_phone_with_a_note_in_brackets_is_read(world, tmp_path):
    """13800000001（本人） was refused with the generic “不是电话号码”."""
    building = world.areas["A1-1-b"].name
    path = save(
        tmp_path / "p.xlsx",
        {
            "居民": [
                HEAD,
                [1, "孙一", person(311), "13800003111（本人）", building, "1单元503"],
                [2, "孙二", person(312), "13800003112 (母亲)", building, "1单元503"],
                [3, "孙三", person(313), "【女儿】13800003113", building, "1单元503"],
            ]
        },
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == []
    phones = dict(
        Resident.objects.filter(name__in=["孙一", "孙二", "孙三"]).values_list("name", "phone_masked")
    )
    assert phones == {"孙一": "138****3111", "孙二": "138****3112", "孙三": "138****3113"}


def test_digits_in_brackets_are_an_area_code_not_a_note():
    assert normalize("(0571)87654321") == "0571-87654321"
    assert normalize("13800003111（本人）") == "13800003111"
