"""The ledger export and the monthly report as the people who receive them read them: an
empty register says it has no records (as the page does), and the rates of the monthly
report's workbook are numbers a street can add up and compare, not text."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shequ.problems.tests.helpers import report

pytestmark = pytest.mark.django_db


def test_an_empty_register_says_it_has_no_records(world):
    """A month with nothing of a type gave a sheet of headers only, which the street could
    not tell from an export cut short; the page says 没有记录, and so does the sheet."""
    p = report(world)
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": "202001"})
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.getvalue()))
    for sheet in book.worksheets:
        rows = [row for row in sheet.iter_rows(min_row=3, values_only=True) if any(row)]
        assert rows == [("2020年1月这一类台账没有记录。",) + (None,) * 18], sheet.title
    # A register with rows has no such line.
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    sheet = load_workbook(io.BytesIO(r.getvalue()))[str(p.get_ledger_type_display())]
    cells = [c for row in sheet.iter_rows(min_row=3, values_only=True) for c in row]
    assert p.number in cells and not any("没有记录" in str(c) for c in cells)
