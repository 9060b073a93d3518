"""A skilled resident's trade (行业) is shown beside their name to everyone a targeted task
reaches ("张*（电工）": a unit's login, a team's members), and a skill's field (领域) is
listed with it. A phone typed into either reached them in full, while the skill beside it
was masked. Numbers are refused there, naming the skill as the place for a contact, and a
trade written before is shown masked."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import Talent
from shequ.tasks.tests.helpers import make_task, unit_with_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["trade", "field"])
def test_a_number_in_a_trade_or_field_is_refused_naming_it(world, field):
    args = {"trade": "电工", "field": "家电"} | {field: "电工13912345678"}
    with pytest.raises(ValidationFailed) as refused:
        services.add_talent(
            world.secretary_zhang,
            world.residents["A1-1-h1-r1"].pk,
            "able",
            args["trade"],
            "家电维修",
            args["field"],
        )
    assert field in refused.value.fields and "电话" in refused.value.fields[field]
    assert not Talent.objects.filter(resident=world.residents["A1-1-h1-r1"]).exists()


def test_a_trade_written_before_is_masked_for_a_unit_the_task_reaches(world):
    resident = world.residents["A1-1-h1-r1"].pk
    talent = services.add_talent(world.secretary_zhang, resident, "able", "电工", "修")
    Talent.objects.filter(pk=talent.pk).update(trade="电工13912345678")  # as stored before the rule
    unit, partner = unit_with_member(world)
    task = make_task(world, key="A1", audience="targeted", target_units=[unit.pk], target_talents=[talent.pk])
    page = client_for(partner).get(f"/tasks/{task.pk}/").content.decode()
    api = client_for(partner).get(f"/api/v1/tasks/{task.pk}").json()
    for shown in (page, " ".join(api["target_talents"])):
        assert "13912345678" not in shown and "139****5678" in shown
