"""能人 are looked for by name as residents are in the register: a worker typing
"zhangsan" or "zs" (pinyin, or its initials, on a phone's keyboard) found nobody in the
skills list, though the register finds 张三 so."""

import pytest

from shequ.people.models import Resident
from shequ.tasks import services
from shequ.tasks.selectors import talents
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_skilled_resident_is_found_by_pinyin_and_initials(world):
    resident = world.residents["A1-1-h1-r1"]
    talent = services.add_talent(world.secretary_zhang, resident.pk, "able", "水电维修", "修水管")
    pinyin, initials = Resident.objects.values_list("name_pinyin", "name_initials").get(pk=resident.pk)
    staff = world.secretary_zhang
    for typed in (pinyin, initials, pinyin.upper(), f" {initials} "):
        assert talent in talents(staff, typed), typed
    # The skill still finds it, and letters that are no one's name find nobody.
    assert talent in talents(staff, "水电")
    assert talent not in talents(staff, "qqqqqq")
    found = client_for(staff).get("/api/v1/resources/talents/", {"q": initials}).json()["items"]
    assert [t["id"] for t in found if t["id"] == talent.pk] == [talent.pk]
