"""holder_ids (a hand-written query) names the same people as holders (the ORM's)."""

import pytest

from shequ.access.holders import holder_ids, holders
from shequ.access.roles import Permission

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("permission", [Permission.PROBLEM_TRIAGE, Permission.PROBLEM_HANDLE])
def test_holder_ids_agree_with_holders_everywhere(world, permission):
    checked = 0
    for area in world.areas.values():
        want = [u.pk for u in holders(permission, area.path)]
        assert holder_ids(permission, area.path) == want, area.path
        checked += bool(want)
    assert checked  # some place has holders, so the comparison said something


def test_an_inactive_holder_is_not_named(world):
    path = world.areas["A1-1"].path
    first = holders(Permission.PROBLEM_TRIAGE, path)[0]
    first.is_active = False
    first.save(update_fields=["is_active"])
    assert first.pk not in holder_ids(Permission.PROBLEM_TRIAGE, path)
    want = [u.pk for u in holders(Permission.PROBLEM_TRIAGE, path)]
    assert holder_ids(Permission.PROBLEM_TRIAGE, path) == want
