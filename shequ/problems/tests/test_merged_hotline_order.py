"""A 12345 order merged into another problem still holds its order: the 接诉即办 ledger
showed it as 已合并 without saying where it went, and its order number could be entered
again as a new problem (the duplicate check skipped merged problems), counting the order
twice."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def merged_order(world, order_no):
    staff = world.users["community_staff@A1"]
    survivor = report(world, staff, source="hotline", hotline_order_no=f"{order_no}-A")
    merged = report(world, staff, source="hotline", hotline_order_no=order_no)
    act(world, world.secretary_zhang, merged, "merge", into=survivor.pk)
    return staff, survivor, merged


def test_a_merged_orders_number_is_refused_naming_the_problem_that_holds_it(world):
    staff, survivor, merged = merged_order(world, "STAFF2-MRG-0001")
    with pytest.raises(ValidationFailed) as refused:
        report(world, staff, source="hotline", hotline_order_no="STAFF2-MRG-0001")
    said = refused.value.fields["hotline_order_no"]
    assert survivor.number in said and merged.number not in said
    # Merged again in turn: the order is held by the last survivor.
    last = report(world, staff, source="hotline", hotline_order_no="STAFF2-MRG-0001-Z")
    act(world, world.secretary_zhang, survivor, "merge", into=last.pk)
    with pytest.raises(ValidationFailed) as refused:
        report(world, staff, source="hotline", hotline_order_no="STAFF2-MRG-0001")
    assert last.number in refused.value.fields["hotline_order_no"]
    # Another street's staff are still told only that it was entered.
    with pytest.raises(ValidationFailed) as refused:
        report(world, world.outsider_zhao, key="B1-1", source="hotline", hotline_order_no="STAFF2-MRG-0001")
    said = refused.value.fields["hotline_order_no"]
    assert "其他单位" in said and last.number not in said


def test_the_hotline_ledger_names_the_problem_an_order_was_merged_into(world):
    _, survivor, merged = merged_order(world, "STAFF2-MRG-0002")
    body = client_for(world.secretary_zhang).get(
        "/problems/ledgers/", {"area": world.areas["A1"].code, "type": "hotline"}
    )
    page = body.content.decode()
    row = page[page.index(merged.number) : page.index("</tr>", page.index(merged.number))]
    assert "已合并" in row and survivor.number in row
