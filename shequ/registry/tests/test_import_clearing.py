"""A re-import keeps what a blank cell leaves out; "无" is how a register says a value is
no longer true (低保 ended, a phone withdrawn), which could not be said before."""

import pytest

from shequ.people.models import Resident
from shequ.registry import services
from shequ.registry.tests.helpers import person, save

pytestmark = pytest.mark.django_db

HEAD = ["姓名", "身份证号", "楼栋", "单元", "门牌号", "联系电话", "重点人群"]


def test_a_care_tag_and_a_phone_are_taken_off_with_wu_and_kept_when_blank(world, tmp_path):
    building = world.areas["A1-1-b"].name
    community = world.areas["A1"].code
    first = save(
        tmp_path / "first.xlsx",
        {
            "S": [
                HEAD,
                ["清一", person(81), building, "5", "502", "13900000004", "低保户、残疾人"],
                ["清二", person(82), building, "5", "502", "13900000005", "低保户"],
            ]
        },
    )
    assert services.import_file(first, community, dry_run=False)[0].errors == []
    again = save(
        tmp_path / "again.xlsx",
        {
            "S": [
                HEAD,
                ["清一", person(81), building, "5", "502", "无", "无"],
                ["清二", person(82), building, "5", "502", "", ""],
            ]
        },
    )
    result, _ = services.import_file(again, community, dry_run=False)
    assert result.errors == []
    found = Resident.objects.filter(name__startswith="清").values_list(
        "name", "care_tags", "phone_masked", "phone_enc"
    )
    rows = {name: (tags, masked, bool(enc)) for name, tags, masked, enc in found}
    assert rows["清一"] == ("", "", False)
    assert rows["清二"][0] == ",low_income," and rows["清二"][1] == "139****0005" and rows["清二"][2]


def test_a_permit_number_is_taken_off_with_wu(world):
    from shequ.people import services as people
    from shequ.people.models import FloatingProfile

    resident = Resident.objects.filter(
        residence_type="floating", area_path__startswith=world.areas["A1"].path
    ).first()
    assert resident is not None
    form = people.FloatingInput(permit_number="JZZ123456")
    people.set_floating(world.secretary_zhang, resident.pk, form)
    assert FloatingProfile.objects.get(resident=resident).permit_number_masked
    people.set_floating(world.secretary_zhang, resident.pk, people.FloatingInput(permit_number=""))
    assert FloatingProfile.objects.get(resident=resident).permit_number_masked  # blank keeps it
    people.set_floating(world.secretary_zhang, resident.pk, people.FloatingInput(permit_number="无"))
    profile = FloatingProfile.objects.get(resident=resident)
    assert (profile.permit_number_enc, profile.permit_number_hash, profile.permit_number_masked) == (
        "",
        "",
        "",
    )
