"""The monthly report to the street office (月报, due by the 25th): counts by ledger type,
handling level, status and source, and the measures of kpi.py with their formulas;
written as xlsx and .docx by a background job that records its progress."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from docx import Document

from shequ.areas.paths import under
from shequ.core import privatefiles, xlsx
from shequ.problems import kpi
from shequ.problems.ledgers import month_range
from shequ.problems.models import (
    HandlingLevel,
    LedgerType,
    Problem,
    ReopenedClosing,
    ReportRun,
    ReportRunStatus,
    Source,
    Status,
)

logger = logging.getLogger(__name__)

# (field, table title, its first column's heading, the choices counted)
DIMENSIONS = [
    ("ledger_type", "按台账类型", "台账类型", LedgerType.choices),
    ("handling_level", "按处置层级", "处置层级", HandlingLevel.choices),
    ("status", "按状态", "状态", Status.choices),
    ("source", "按来源", "来源", Source.choices),
]
COUNT_HEADING = "件数"


def _progress(run: ReportRun, value: int, message: str = "") -> None:
    ReportRun.objects.filter(pk=run.pk).update(progress=value, message=message, progressed_at=timezone.now())


def gather(area_path: str, month: str) -> dict[str, Any]:
    start, end = month_range(month)
    scoped = Problem.objects.filter(under(area_path))
    in_month = scoped.filter(reported_at__gte=start, reported_at__lt=end)
    tables = []
    for field, title, heading, choices in DIMENSIONS:
        counts = dict(in_month.values_list(field).annotate(n=Count("id")).order_by())
        tables.append((title, heading, [(str(label), counts.get(code, 0)) for code, label in choices]))
    closings = ReopenedClosing.objects.filter(under(area_path))
    # The moment the figures stand at (kpi.compute counts the deadlines passed by then):
    # both files say it, so a report made mid-month is not read as the whole month's.
    taken_at = timezone.now()
    return {
        "tables": tables,
        "kpis": kpi.compute(scoped, start, end, now=taken_at, closings=closings),
        "total": in_month.count(),
        "taken_at": taken_at,
        # The month named, not 本月: a report of an earlier month is read after it.
        "month_name": f"{month[:4]}年{int(month[4:])}月",
    }


def _taken(data: dict[str, Any]) -> str:
    return f"统计时间：{timezone.localtime(data['taken_at']):%Y年%m月%d日 %H:%M}"


def run_report(run_id: int) -> None:
    run = ReportRun.objects.select_related("area").get(pk=run_id)
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRunStatus.RUNNING, progress=5, progressed_at=timezone.now()
    )
    try:
        data = gather(run.area_path, run.month)
        _progress(run, 50, "统计完成，正在生成文件")
        folder = Path(settings.MEDIA_ROOT) / "reports" / run.month
        stem = f"{run.area.code}-{run.month}-{run.pk}"
        title = f"{run.area.name}{run.month[:4]}年{int(run.month[4:])}月问题清单月报"
        # Each file made 0600 (in 0700 folders) before its writer opens it by name.
        privatefiles.reserve(folder / f"{stem}.xlsx")
        _write_xlsx(folder / f"{stem}.xlsx", title, data)
        _progress(run, 75, "正在生成 Word 文档")
        privatefiles.reserve(folder / f"{stem}.docx")
        _write_docx(folder / f"{stem}.docx", title, data)
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRunStatus.DONE,
            progress=100,
            message="已完成",
            xlsx_file=f"reports/{run.month}/{stem}.xlsx",
            docx_file=f"reports/{run.month}/{stem}.docx",
            finished_at=timezone.now(),
        )
    except Exception:
        # The cause goes to the log, not to the page: it names files and internals.
        logger.exception("monthly report run %s failed", run.pk)
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRunStatus.FAILED,
            message=f"生成失败（内部错误，记录号 {run.pk}），请重新生成；仍失败请联系系统管理员",
        )
        raise


def _write_xlsx(path: Path, title: str, data: dict[str, Any]) -> None:
    book = xlsx.workbook(str(path))
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("月报")
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 50)
    sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write(1, 0, f"{data['month_name']}上报问题 {data['total']} 件。{_taken(data)}")
    row = 3
    sheet.write_row(row, 0, ["指标", "数值", "计算方法"], bold)
    # The rates as numbers shown as percentages: text ("93.72%") is left out of SUM and
    # AVERAGE without a word when a street sets its communities' reports side by side.
    percent = book.add_format({"num_format": "0.00%"})
    for name, value, formula in data["kpis"].measures():
        row += 1
        sheet.write(row, 0, name)
        if value is None:
            sheet.write(row, 1, "—")
        else:
            sheet.write_number(row, 1, float(value / 100), percent)
        sheet.write(row, 2, formula)
    for table_title, heading, rows in data["tables"]:
        row += 2
        sheet.write(row, 0, table_title, bold)
        row += 1
        sheet.write_row(row, 0, [heading, COUNT_HEADING], bold)
        for label, n in rows:
            row += 1
            sheet.write_row(row, 0, [label, n])
    book.close()


def _write_docx(path: Path, title: str, data: dict[str, Any]) -> None:
    doc = Document()
    doc.add_heading(title, level=1)
    doc.add_paragraph(f"{data['month_name']}上报问题 {data['total']} 件。")
    doc.add_heading("办理指标", level=2)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("指标", "数值", "计算方法"), strict=True):
        cell.text = text
    for name, value, formula in data["kpis"].rows():
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = name, value, formula
    for table_title, heading, rows in data["tables"]:
        doc.add_heading(table_title, level=2)
        t = doc.add_table(rows=1, cols=2)
        t.style = "Table Grid"
        t.rows[0].cells[0].text, t.rows[0].cells[1].text = heading, COUNT_HEADING
        for label, n in rows:
            cells = t.add_row().cells
            cells[0].text, cells[1].text = label, str(n)
    doc.add_paragraph(f"{_taken(data)}。各比率的计算方法见上表。")
    doc.save(str(path))
