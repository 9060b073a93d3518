"""台账: the register of problems of one type, per community and month, and its xlsx
export (one sheet per type, Chinese headers, personal data masked)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from shequ.access.masking import mask_free_text, mask_name
from shequ.areas.models import AreaKind
from shequ.areas.paths import ancestors
from shequ.core import xlsx
from shequ.problems.models import LedgerType, Problem, ProblemEvent, Status

HEADERS = [
    "编号",
    "上报时间",
    "类别",
    "来源",
    "12345工单号",
    "所在网格/社区",
    "地址",
    "问题描述",
    "处置层级",
    "责任方",
    "责任单位",
    "处置情况",
    "状态",
    "办理时限",
    "结案时间",
    "是否按期",
    "返工次数",
    "是否解决",
    "满意度",
    "上报人",
]
# 处置情况 (seed 004's 解决的措施): the note of these steps, the latest.
HANDLING_ACTIONS = ("report_back", "reject")
WIDTHS = [16, 17, 12, 11, 20, 16, 16, 40, 10, 12, 14, 30, 8, 17, 17, 8, 8, 8, 6, 8]


def month_range(month: str) -> tuple[datetime, datetime]:
    year, mon = int(month[:4]), int(month[4:6])
    start = timezone.make_aware(datetime(year, mon, 1))
    end = timezone.make_aware(datetime(year + (mon == 12), mon % 12 + 1, 1))
    return start, end


def community_names(area: Any) -> dict[str, str]:
    """Path → name of the communities under ``area`` when the ledger spans more than one
    (a street's): its 所在网格/社区 column then names the community, since every
    community may have a 第一网格. Empty for a community's own ledger."""
    from shequ.areas.models import Area

    if area.kind != AreaKind.STREET:
        return {}
    return dict(Area.objects.under(area.path).filter(kind=AreaKind.COMMUNITY).values_list("path", "name"))


def _community_of(path: str, communities: dict[str, str]) -> str:
    """The name of the community ``path`` lies in, from ``communities`` (path → name)."""
    return next((communities[above] for above in ancestors(path) if above in communities), "")


def ledger_rows(
    qs: Any, communities: dict[str, str] | None = None, *, typed: bool = False
) -> Iterator[list[Any]]:
    """The ledger's rows; ``communities`` (community_names()): a street's ledger names the
    community of each place. ``typed`` (the xlsx): times as local datetimes, not text."""

    def when(value: Any) -> Any:
        if not value:
            return ""
        local = timezone.localtime(value)
        return local.replace(tzinfo=None) if typed else local.strftime("%Y-%m-%d %H:%M")

    def reporter(p: Problem) -> str:
        name = mask_name(p.reporter.display_name or p.reporter.username)
        # 代报: the grid worker, and the resident they reported for.
        return f"{name}（代{mask_name(p.on_behalf_of.name)}）" if p.on_behalf_of else name

    def place(p: Problem) -> str:
        # A problem placed on a building is named with the grid (or estate) it stands in:
        # the building's name alone ("1号楼") says nothing in a street's ledger.
        area = p.area
        named = area.name
        if area.kind == AreaKind.BUILDING and area.parent is not None:
            named = f"{area.parent.name} {area.name}"
        community = _community_of(p.area_path, communities) if communities else ""
        return f"{community} {named}" if community and community != area.name else named

    def status(p: Problem) -> str:
        # A merged problem (a 12345 order above all) says where it went, so the ledger
        # can follow the order to the problem that answers it.
        if p.merged_into is not None:
            return f"{p.get_status_display()}（并入 {p.merged_into.number}）"
        return p.get_status_display()

    def handled(p: Problem) -> str:
        # Seed 004's 解决的措施: what the last 反馈 said was done, or why it was not taken up.
        said = getattr(p, "handling_note", None)  # annotated below
        if not said:
            return ""
        note = mask_free_text(said)
        # 不予立案 ends a problem: nothing is reported back after it.
        return f"不予立案：{note}" if p.status == Status.REJECTED else note

    # The last 反馈 or 不予立案 of each problem, read with its row (no query per row).
    last_said = ProblemEvent.objects.filter(problem=OuterRef("pk"), action__in=HANDLING_ACTIONS).order_by(
        "-at", "-id"
    )
    rows = (
        qs.select_related("category", "area__parent", "reporter", "on_behalf_of", "merged_into")
        .defer("area__geometry", "area__parent__geometry")
        .annotate(handling_note=Subquery(last_said.values("note")[:1]))
    )
    if not rows.query.order_by:
        rows = rows.order_by("reported_at", "id")
    for p in rows.iterator(chunk_size=2000):
        on_time = {None: "", True: "是", False: "否"}[p.closed_on_time]
        due = when(p.due_at)
        if p.missed_due_at is not None and p.missed_due_at != p.due_at:
            # Said in words: the cell names the time missed beside the new one.
            shown = "" if not p.due_at else timezone.localtime(p.due_at).strftime("%Y-%m-%d %H:%M")
            missed = timezone.localtime(p.missed_due_at).strftime("%Y-%m-%d %H:%M")
            due = f"{shown}（原时限 {missed} 已过）".lstrip()
        yield [
            p.number,
            when(p.reported_at),
            p.category.name,
            p.get_source_display(),
            p.hotline_order_no,
            place(p),
            mask_free_text(p.address),
            mask_free_text(p.description),
            p.get_handling_level_display(),
            p.get_responsible_role_display(),
            mask_free_text(p.responsible_party),
            handled(p),
            status(p),
            due,
            when(p.closed_at),
            on_time,
            p.rework_count,
            "" if p.resolved is None else ("是" if p.resolved else "否"),
            p.satisfaction or "",
            reporter(p),
        ]


def write_xlsx(
    target: Any,
    qs: QuerySet[Problem],
    *,
    title: str,
    empty: str = "",
    communities: dict[str, str] | None = None,
) -> int:
    """Write one sheet per ledger type to ``target`` (a path or a file object); rows counted.
    A type with no rows says ``empty`` under its headers, as the page does: a sheet of
    headers alone cannot be told from an export cut short."""
    book = xlsx.workbook(target, constant_memory=True, in_memory=False)
    head = book.add_format({"bold": True, "bg_color": "#EEF0F3", "border": 1})
    as_time = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    count = 0
    for code, label in LedgerType.choices:
        sheet = book.add_worksheet(str(label))
        sheet.write(0, 0, f"{title} · {label}台账", book.add_format({"bold": True, "font_size": 13}))
        for col, (name, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
            sheet.write(1, col, name, head)
            sheet.set_column(col, col, width)
        r = 1
        for r, row in enumerate(ledger_rows(qs.filter(ledger_type=code), communities, typed=True), start=2):
            for col, value in enumerate(row):
                if isinstance(value, datetime):  # 上报时间, 办理时限, 结案时间: sorted as times
                    sheet.write_datetime(r, col, value, as_time)
                else:
                    sheet.write(r, col, value)
            count += 1
        if r == 1 and empty:
            sheet.write(2, 0, empty)
    book.close()
    return count
