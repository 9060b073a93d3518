"""The ledger export and the monthly report as the people who receive them read them: an
empty register says it has no records (as the page does), and the rates of the monthly
report's workbook are numbers a street can add up and compare, not text."""

import io

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from shequ.problems.models import ReportRun
from shequ.problems.services import request_monthly_report
from shequ.problems.tests.helpers import act, report, verified

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
        assert rows == [("2020年1月这一类台账没有记录。",) + (None,) * 19], sheet.title
    # A register with rows has no such line.
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    sheet = load_workbook(io.BytesIO(r.getvalue()))[str(p.get_ledger_type_display())]
    cells = [c for row in sheet.iter_rows(min_row=3, values_only=True) for c in row]
    assert p.number in cells and not any("没有记录" in str(c) for c in cells)


def test_the_monthly_workbooks_rates_are_numbers(world, django_capture_on_commit_callbacks):
    """结案率 and the others were written as the text "100.00%": Excel leaves text out of
    AVERAGE and SUM, so a street putting its communities' reports side by side got a
    wrong figure without a warning."""
    p = verified(world)
    act(world, world.resident_wang, p, "evaluate", resolved=True, satisfaction=5)
    with django_capture_on_commit_callbacks(execute=True):
        run = request_monthly_report(world.secretary_zhang, world.areas["A1"].code, p.month)
    run = ReportRun.objects.get(pk=run.pk)
    sheet = load_workbook(settings.MEDIA_ROOT / run.xlsx_file)["月报"]
    cells = {
        row[0].value: row[1] for row in sheet.iter_rows() if row[0].value in ("解决率", "满意率", "结案率")
    }
    for name in ("解决率", "满意率"):
        assert (cells[name].value, cells[name].number_format) == (1, "0.00%"), name
    # A rate with nothing to divide by is still the dash, as in the Word file.
    assert cells["结案率"].value == "—"


def test_the_ledger_export_without_an_area_is_the_pages_own(world):
    """The page opened without ?area= shows the worker's own community, but its export
    link typed or bookmarked without it answered 404, as if the ledgers were not theirs."""
    p = report(world)
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"month": p.month})
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.getvalue()))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert p.number in cells
    # A month that is not one is named, not a server error.
    r = client.get("/problems/ledgers/export/", {"month": "2026-13"})
    assert r.status_code == 400
    assert "月份" in r.content.decode()


def test_the_monthly_reports_count_tables_have_a_header_row(world, django_capture_on_commit_callbacks):
    """按来源 and the other count tables of the Word file were bare pairs of cells: a
    reader (and a screen reader) met "居民上报 | 1" with no column named."""
    from docx import Document

    p = report(world)
    with django_capture_on_commit_callbacks(execute=True):
        run = request_monthly_report(world.secretary_zhang, world.areas["A1"].code, p.month)
    run = ReportRun.objects.get(pk=run.pk)
    doc = Document(str(settings.MEDIA_ROOT / run.docx_file))
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert heads[1:] == [["台账类型", "件数"], ["处置层级", "件数"], ["状态", "件数"], ["来源", "件数"]]
    # The workbook says the same above each table.
    sheet = load_workbook(settings.MEDIA_ROOT / run.xlsx_file)["月报"]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert ("来源", "件数", None) in rows


def test_the_ledgers_times_are_excel_times_and_its_counts_numbers(world):
    """上报时间, 办理时限 and 结案时间 were the text "2026-11-22 10:30": the street could not
    sort a ledger by when a problem was closed, nor filter a month's closures."""
    from django.utils import timezone

    p = verified(world)
    p = act(world, world.resident_wang, p, "evaluate", resolved=True, satisfaction=5)
    p.refresh_from_db()
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    sheet = load_workbook(io.BytesIO(r.getvalue()))[str(p.get_ledger_type_display())]
    headers = [c.value for c in sheet[2]]
    (row,) = [row for row in sheet.iter_rows(min_row=3) if row[0].value == p.number]
    for header, value in (("上报时间", p.reported_at), ("办理时限", p.due_at), ("结案时间", p.closed_at)):
        cell = row[headers.index(header)]
        local = timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)
        assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm", header
        assert cell.value.replace(second=0, microsecond=0) == local, header
    assert row[headers.index("返工次数")].value == 0 and row[headers.index("满意度")].value == 5
