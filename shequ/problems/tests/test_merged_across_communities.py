"""A street's staff merge a duplicate into a problem of the next community (two reports of
one broken road across the border): the first community's staff still open the duplicate,
whose page linked to a problem they may not open (a 404 "不存在或无权查看")."""

import pytest

from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_problem_merged_into_is_named_without_a_link_to_who_may_not_open_it(world):
    dup = report(world, category="garbage", description="路口垃圾没人清运")
    target = report(
        world, world.users["resident@A2-1-h1"], category="garbage", key="A2-1", description="路口垃圾堆积"
    )
    act(world, world.street_chen, dup, "merge", into=target.pk)
    page = client_for(world.secretary_zhang).get(f"/problems/{dup.pk}/").content.decode()
    assert target.number in page and f'href="/problems/{target.pk}/"' not in page
    # Who may open it (the street, the duplicate's reporter, now a follower) follows the link.
    for who in (world.street_chen, world.resident_wang):
        page = client_for(who).get(f"/problems/{dup.pk}/").content.decode()
        assert f'href="/problems/{target.pk}/"' in page
