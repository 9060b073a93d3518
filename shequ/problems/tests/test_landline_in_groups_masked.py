"""A landline typed with its number in two groups (0571-8765-4321, 021 6123 4567, as on a
shop sign or a business card) is masked in free text like any other phone number: it was
shown whole to everyone who read a problem's description."""

import pytest

from shequ.access.masking import mask_free_text
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("电话010-6512-3456", "电话010-****3456"),
        ("座机 0571-8765 4321。", "座机 0571-****4321。"),
        ("联系 021 6123 4567", "联系 021-****4567"),
        ("(0571) 8765 4321", "0571-****4321"),
        ("（０５７１）８７６５－４３２１", "0571-****4321"),
        ("0470.682.1234", "0470-***1234"),
        # As before: one run of digits after the area code, or none between.
        ("座机0571-87654321；", "座机0571-****4321；"),
        ("057187654321", "057*****4321"),
        # Still not a person's number: a door, a date, an order number.
        ("2026年11月22日 3单元12号", "2026年11月22日 3单元12号"),
        ("工单GD0571-8765-4321", "工单GD0571-8765-4321"),
    ],
)
def test_a_landline_in_groups_is_masked_in_free_text(typed, shown):
    assert mask_free_text(typed) == shown


def test_a_landline_in_groups_in_a_description_is_masked_for_staff_and_in_the_api(world):
    problem = report(world, description="楼道灯坏了，物业座机 0571-8765 4321，家里电话 021 6123 4567")
    for url in (f"/problems/{problem.pk}/", f"/api/v1/problems/{problem.pk}"):
        body = client_for(world.secretary_zhang).get(url).content.decode()
        if url.startswith("/api/"):
            import json

            body = json.loads(body)["description"]
        assert "8765 4321" not in body and "6123 4567" not in body, url
        assert "0571-****4321" in body and "021-****4567" in body, url
    # The resident who wrote it reads it as typed.
    mine = client_for(world.resident_wang).get(f"/api/v1/problems/{problem.pk}").json()
    assert "0571-8765 4321" in mine["description"]
