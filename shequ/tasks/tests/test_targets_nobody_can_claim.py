"""A targeted task is claimed only through a login: a unit's member, a team member or a
skilled resident who has signed up. Aimed at a unit nobody acts for yet, or at a 能人 who
has no login (most have never signed in), it was published and sat unclaimed until its
deadline, its page saying nothing. The task page tells staff which targets nobody can
claim for, so they add a member or give the person a login."""

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, unit_with_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_are_told_which_targets_nobody_can_claim_for(world):
    staffed, _partner = unit_with_member(world)
    unit = services.UnitInput(name="区环卫所", kind="department", area=world.areas["A1"].code)
    empty = services.add_unit(world.secretary_zhang, unit)
    # A resident with no login (the world's logins are the households' first residents).
    no_login = world.residents["A1-1-h1-r2"].pk
    talent = services.add_talent(world.secretary_zhang, no_login, "able", "电工", "修")
    task = make_task(
        world, key="A1", audience="targeted", target_units=[staffed.pk, empty.pk], target_talents=[talent.pk]
    )
    page = client_for(world.secretary_zhang).get(f"/tasks/{task.pk}/").content.decode()
    said = page[page.index('id="unreachable"') :]
    said = said[: said.index("</p>")]
    assert "区环卫所" in said and "电工" in said and "区供电所" not in said
    # Nobody but staff reads it.
    assert 'id="unreachable"' not in client_for(_partner).get(f"/tasks/{task.pk}/").content.decode()


def test_nothing_is_said_when_every_target_can_claim(world):
    staffed, _partner = unit_with_member(world)
    task = make_task(world, key="A1", audience="targeted", target_units=[staffed.pk])
    page = client_for(world.secretary_zhang).get(f"/tasks/{task.pk}/").content.decode()
    assert 'id="unreachable"' not in page
