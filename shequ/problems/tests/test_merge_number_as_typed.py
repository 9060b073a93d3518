"""The 编号 of the problem to merge into, typed on a phone with a Chinese input method
(full-width digits) or copied in groups with a space, was read as an id of fourteen
digits and refused as "要合并到的问题不存在": the duplicate stayed open beside its
original."""

import pytest

from shequ.problems.models import Status
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    "typed",
    [
        lambda n: n.translate(FULL_WIDTH),
        lambda n: f"{n[:8]} {n[8:]}",
        lambda n: f"　{n}　",
    ],
    ids=["full-width", "grouped", "ideographic-spaces"],
)
def test_a_number_typed_full_width_or_grouped_names_the_problem_to_merge_into(world, typed):
    original = report(world)
    duplicate = report(world, description="下水道又堵了，污水流到路上")
    staff = client_for(world.secretary_zhang)
    r = staff.post(f"/problems/{duplicate.pk}/act/", {"action": "merge", "into": typed(original.number)})
    assert r.status_code == 302, r.content.decode()[-2000:]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == original.pk


def test_a_number_typed_full_width_merges_through_the_api_too(world):
    original = report(world)
    duplicate = report(world, description="下水道又堵了，污水流到路上")
    staff = client_for(world.secretary_zhang)
    r = staff.post(
        f"/api/v1/problems/{duplicate.pk}/transitions",
        {"action": "merge", "into": original.number.translate(FULL_WIDTH)},
    )
    assert r.status_code == 200, r.content
    assert r.json()["merged_into"] == original.pk
