"""A report of an earlier month said 本月上报问题 (this month's reports) in both files, read
by the street as the month it was sent in: it names the month it is of."""

import pytest
from django.conf import settings
from docx import Document
from openpyxl import load_workbook

from shequ.problems.models import ReportRun
from shequ.problems.services import request_monthly_report

pytestmark = pytest.mark.django_db


def test_a_past_months_report_names_its_month(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = request_monthly_report(world.secretary_zhang, world.areas["A1"].code, "202610")
    run = ReportRun.objects.get(pk=run.pk)
    assert run.status == "done"
    doc = Document(str(settings.MEDIA_ROOT / run.docx_file))
    paragraphs = [para.text for para in doc.paragraphs]
    assert any(t.startswith("2026年10月上报问题 ") for t in paragraphs)
    assert not any("本月" in t for t in paragraphs)
    sheet = load_workbook(settings.MEDIA_ROOT / run.xlsx_file)["月报"]
    values = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any(v.startswith("2026年10月上报问题 ") for v in values)
    assert not any("本月" in v for v in values)
