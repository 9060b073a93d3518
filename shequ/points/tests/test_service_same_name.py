"""Party members of one name (王伟, 王伟) were offered in the 服务积分 form as
"王伟（本地党员）" twice, and staff recorded the service for whichever they guessed. Each
is offered with their household (building and door, no phone)."""

import pytest

from shequ.people.models import Resident
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_two_party_members_of_one_name_are_told_apart_in_the_form(world):
    members = [
        r
        for r in world.residents.values()
        if r.party_member_kind and r.area_path.startswith(world.areas["A1"].path)
    ][:2]
    assert len(members) == 2
    Resident.objects.filter(pk__in=[m.pk for m in members]).update(name="王伟")
    page = client_for(world.secretary_zhang).get("/points/service/").content.decode()
    for m in members:
        option = page[page.index(f'<option value="{m.pk}"') :]
        option = option[: option.index("</option>")]
        assert f"{m.household.building.name} {m.household.address}" in option
        assert world.full_values[m.pk][1] not in option
