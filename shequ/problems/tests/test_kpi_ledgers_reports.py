import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from shequ.access.masking import mask_name
from shequ.notifications.models import Notification
from shequ.problems import kpi, monthly
from shequ.problems.ledgers import month_range
from shequ.problems.models import Problem, ProblemCategory, ReportRun, Status
from shequ.problems.services import request_monthly_report, send_due_reminders
from shequ.problems.tests.helpers import act, report, verified

pytestmark = pytest.mark.django_db


def bulk(world, n, *, due, closed=None, status=Status.CLOSED, **extra):
    """Rows for an aggregate test: the formulas are checked on many rows at once."""
    category = ProblemCategory.objects.get(code="blocked_drain")
    area = world.areas["A1-1"]
    rows = [
        Problem(
            category=category,
            description="测试",
            source="resident",
            reporter=world.resident_wang,
            area=area,
            area_path=area.path,
            status=status,
            handling_level="community",
            responsible_role="community_staff",
            ledger_type="property",
            month="202610",
            reported_at=due - timedelta(days=3),
            due_at=due,
            closed_at=closed,
            **extra,
        )
        for _ in range(n)
    ]
    Problem.objects.bulk_create(rows)


def test_kpi_formulas_on_a_fixture_with_known_answers(world):
    start, end = month_range("202610")
    due = start + timedelta(days=10)
    bulk(world, 737, due=due, closed=due - timedelta(hours=1))  # closed on time
    bulk(world, 174, due=due, closed=due + timedelta(days=1))  # closed late
    bulk(world, 61, due=due, status=Status.IN_PROGRESS)  # not closed
    bulk(world, 5, due=due, status=Status.REJECTED)  # not counted
    bulk(world, 9, due=end + timedelta(days=1), status=Status.IN_PROGRESS)  # due next month
    result = kpi.compute(Problem.objects.filter(area_path__startswith=world.areas["A1-1"].path), start, end)
    assert (result.due_to_close, result.closed, result.closed_on_time) == (972, 911, 737)
    assert result.close_rate == Decimal("93.72")
    assert result.on_time_rate == Decimal("75.82")


def test_a_report_made_mid_month_counts_only_the_deadlines_already_passed(world):
    start, end = month_range("202610")
    made_on = start + timedelta(days=22)  # the 23rd, before the report is due
    bulk(world, 9, due=start + timedelta(days=5), closed=start + timedelta(days=4))
    bulk(world, 8, due=start + timedelta(days=10), status=Status.IN_PROGRESS)  # late
    bulk(world, 10, due=start + timedelta(days=28), status=Status.IN_PROGRESS)  # not yet due
    scoped = Problem.objects.filter(area_path__startswith=world.areas["A1-1"].path)
    result = kpi.compute(scoped, start, end, now=made_on)
    assert (result.due_to_close, result.closed) == (17, 9)
    assert result.close_rate == Decimal("52.94")
    # After the month, every deadline of the month counts.
    assert kpi.compute(scoped, start, end, now=end + timedelta(days=3)).due_to_close == 27


def test_a_problem_whose_24_hours_are_not_over_is_not_counted_unanswered(world):
    """A report made an hour after a problem came in cannot have answered it late: it
    is left out of 应响应 until it is answered or its 24 hours pass."""
    start, end = month_range("202610")
    made_on = start + timedelta(days=22)
    answered = report(world)
    act(world, world.secretary_zhang, answered, "accept")
    waiting, late = report(world), report(world)
    Problem.objects.filter(pk=answered.pk).update(
        reported_at=made_on - timedelta(hours=30), responded_at=made_on - timedelta(hours=29)
    )
    Problem.objects.filter(pk=waiting.pk).update(reported_at=made_on - timedelta(hours=2))
    Problem.objects.filter(pk=late.pk).update(reported_at=made_on - timedelta(hours=25))
    scoped = Problem.objects.filter(pk__in=[answered.pk, waiting.pk, late.pk])
    result = kpi.compute(scoped, start, end, now=made_on)
    assert (result.responded, result.reported, result.response_rate) == (1, 2, Decimal("50.00"))
    assert (
        "响应率",
        "50.00%",
        "24小时内响应 1 ÷ 应响应 2（本期上报、已满24小时或已响应的）",
    ) in result.rows()
    later = kpi.compute(scoped, start, end, now=made_on + timedelta(days=1))
    assert (later.responded, later.reported) == (1, 3)


def test_rates_with_nothing_to_divide_by_are_a_dash(world):
    start, end = month_range("199001")
    result = kpi.compute(Problem.objects.none(), start, end)
    assert result.close_rate is None
    assert ("结案率", "—", "结案 0 ÷ 应结案 0（本期办理时限已到的）") in result.rows()


def _closed(world, satisfaction=5):
    p = verified(world)
    return act(world, world.resident_wang, p, "evaluate", resolved=True, satisfaction=satisfaction)


def test_ledger_export_has_one_sheet_per_type_masked_and_audited(world):
    p = _closed(world)
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.getvalue()))
    assert book.sheetnames == ["物业管理", "邻里纠纷", "接诉即办", "安全生产", "民生保障"]
    rows = list(book["物业管理"].iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == p.number and rows[0][12] == "已回访" and rows[0][18] == 5
    assert rows[0][19] == mask_name(world.resident_wang.display_name) and rows[0][19].count("*") >= 1
    assert world.resident_wang.display_name not in str(rows[0])
    from shequ.access.models import AuditEvent

    assert AuditEvent.objects.filter(event="problem.ledger_export", detail__rows=1).exists()
    page = client.get(
        "/problems/ledgers/", {"area": world.areas["A1"].code, "month": p.month}
    ).content.decode()
    assert p.number in page


def test_text_that_looks_like_a_formula_or_a_link_is_exported_as_text(world):
    """What a resident typed is a cell of text in the ledger: never a formula that runs
    on the office PC that opens the export, nor a link."""
    typed = '=HYPERLINK("http://example.com","点此")'
    p = report(world, description=typed, address="=3号楼2单元 http://example.com")
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    sheet = load_workbook(io.BytesIO(r.getvalue()))[str(p.category.get_ledger_type_display())]
    (row,) = [row for row in sheet.iter_rows(min_row=3) if row[0].value == p.number]
    address, description = row[6], row[7]
    assert (description.value, description.data_type) == (typed, "s")
    assert (address.value, address.data_type, address.hyperlink) == (
        "=3号楼2单元 http://example.com",
        "s",
        None,
    )


def test_monthly_report_job_writes_xlsx_and_docx(world, django_capture_on_commit_callbacks):
    p = _closed(world, satisfaction=3)
    with django_capture_on_commit_callbacks(execute=True):
        run = request_monthly_report(world.secretary_zhang, world.areas["A1"].code, p.month)
    run = ReportRun.objects.get(pk=run.pk)
    assert (run.status, run.progress) == ("done", 100)
    doc = Document(str(settings.MEDIA_ROOT / run.docx_file))
    text = "\n".join(cell.text for t in doc.tables for row in t.rows for cell in row.cells)
    assert "满意率" in text and "4星及以上 0 ÷ 回访 1" in text
    sheet = load_workbook(settings.MEDIA_ROOT / run.xlsx_file)["月报"]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "满意率" in values and "4星及以上 0 ÷ 回访 1" in values
    # Both files say when the figures were taken (the xlsx did not): a report made
    # mid-month counts only the deadlines passed by then.
    taken = f"统计时间：{timezone.localtime():%Y年%m月%d日}"
    assert any(taken in str(v) for v in values)
    assert any(taken in para.text for para in doc.paragraphs)
    client = Client()
    client.force_login(world.secretary_zhang)
    assert "下载 Word" in client.get(f"/problems/reports/{run.pk}/").content.decode()
    assert client.get(f"/problems/reports/{run.pk}/docx/").status_code == 200
    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    assert outsider.get(f"/problems/reports/{run.pk}/docx/").status_code == 404


def test_monthly_report_refuses_a_bad_month_and_a_foreign_area(world):
    from shequ.core.errors import NotFound, ValidationFailed

    with pytest.raises(ValidationFailed, match="202611"):
        request_monthly_report(world.secretary_zhang, world.areas["A1"].code, "2026-11")
    with pytest.raises(NotFound):
        request_monthly_report(world.secretary_zhang, world.areas["B1"].code, "202611")


def test_due_reminders_are_sent_once_with_frozen_time(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    start = p.dispatched_at
    mine = Notification.objects.filter(user=world.grid_worker_li, link=f"/problems/{p.pk}/")

    def texts_after(now):
        send_due_reminders(now=now)  # other problems in the database are reminded too
        return sorted(t.split("：")[0] for t in mine.values_list("text", flat=True) if "期" in t)

    assert texts_after(start + timedelta(days=1)) == []
    assert texts_after(p.due_at - timedelta(hours=2)) == ["即将到期"]
    assert texts_after(p.due_at - timedelta(hours=1)) == ["即将到期"]
    assert texts_after(p.due_at + timedelta(minutes=1)) == ["即将到期", "已超期"]
    assert texts_after(p.due_at + timedelta(hours=5)) == ["即将到期", "已超期"]
    assert Problem.objects.get(pk=p.pk).reminder_stage == 2


def test_month_range():
    start, end = month_range("202612")
    assert timezone.localtime(start).replace(tzinfo=None) == datetime(2026, 12, 1)
    assert timezone.localtime(end).replace(tzinfo=None) == datetime(2027, 1, 1)


def test_a_bad_month_or_ledger_type_on_the_pages_is_named_not_replaced(world):
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.get("/problems/ledgers/", {"month": "2026-13"})
    assert r.status_code == 400
    assert "月份“2026-13”不存在：月份须在 1 到 12 月之间" in r.content.decode()
    r = c.get("/problems/ledgers/", {"month": "1999-01"})  # a month, of a year out of range
    assert r.status_code == 400 and "月份“1999-01”的年份须在 2000 到 2100 年之间" in r.content.decode()
    r = c.get("/problems/ledgers/", {"type": "bogus"})
    assert r.status_code == 400 and "台账类型“bogus”不存在" in r.content.decode()
    assert c.get("/problems/ledgers/", {"month": "2026-11"}).status_code == 200
    assert c.get("/problems/ledgers/", {"month": "202611", "type": "neighbour"}).status_code == 200
    before = ReportRun.objects.count()
    r = c.post("/problems/reports/", {"area": world.areas["A1"].code, "month": "2026-13"})
    assert r.status_code == 400 and "月份须在 1 到 12 月之间" in r.content.decode()
    assert ReportRun.objects.count() == before  # no report was queued for another month
    # The form keeps the area and the month that were entered.
    page = r.content.decode()
    assert f'value="{world.areas["A1"].code}" selected' in page and 'value="2026-13"' in page


def test_a_report_of_a_month_to_come_is_refused(world):
    from django.utils import timezone

    from shequ.core.errors import ValidationFailed

    today = timezone.localdate()
    ahead = f"{today.year + 1}01"
    with pytest.raises(ValidationFailed, match="还没到"):
        request_monthly_report(world.secretary_zhang, world.areas["A1"].code, ahead)
    assert request_monthly_report(world.secretary_zhang, world.areas["A1"].code, f"{today:%Y%m}").pk


def _queued_run(world):
    """A monthly report of community A1 asked for by its secretary, not yet run."""
    a1 = world.areas["A1"]
    return ReportRun.objects.create(
        area=a1, area_path=a1.path, month="202611", requested_by=world.secretary_zhang
    )


def test_a_failed_report_says_so_in_chinese_without_the_internals(world, monkeypatch, caplog):
    from shequ.problems import monthly

    def broken(path, title, data):
        raise OSError("[Errno 28] No space left on device: '/srv/shequ/media/reports/x.xlsx'")

    monkeypatch.setattr(monthly, "_write_xlsx", broken)
    run = _queued_run(world)
    with pytest.raises(OSError):
        monthly.run_report(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "生成失败" in run.message and "/srv/" not in run.message
    assert "No space left" in caplog.text  # the cause is logged for the administrator


def test_a_report_whose_worker_stopped_says_so_and_is_no_longer_polled(world, monkeypatch):
    """A worker stopped mid-run (SIGTERM, a restart) left the run 生成中 at 75 % and the
    page asking every second, for ever."""
    from shequ.problems import monthly

    def stopped(path, title, data):
        raise SystemExit(1)  # not an Exception: the job's own handler never sees it

    monkeypatch.setattr(monthly, "_write_docx", stopped)
    run = _queued_run(world)
    with pytest.raises(SystemExit):
        monthly.run_report(run.pk)
    client = Client()
    client.force_login(world.secretary_zhang)
    url = f"/problems/reports/{run.pk}/"
    body = client.get(url).content.decode()
    assert "75%" in body and "every 1s" in body  # still working, for all anyone knows
    ReportRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - timedelta(minutes=11))
    body = client.get(url).content.decode()
    assert "生成中断" in body and "hx-get" not in body


def test_a_problem_dispatched_again_while_the_reminders_run_is_not_called_overdue(world, monkeypatch):
    """The job works from the list it read: a problem escalated and dispatched again
    meanwhile (a new time limit, its reminders reset) was told 已超期 on its old limit and
    then never reminded of the new one."""
    from shequ.problems import services

    first, second = (report(world, description=f"楼道下水管堵塞，污水外溢{i}") for i in range(2))
    for p in (first, second):
        act(world, world.secretary_zhang, p, "accept")
        act(world, world.secretary_zhang, p, "dispatch")
        Problem.objects.filter(pk=p.pk).update(due_at=timezone.now() - timedelta(hours=1))
    told = services.notify
    moved: list[int] = []

    def notify_while_another_moves(users, text, link, **kw):
        told(users, text, link, **kw)
        if not moved:
            other = second if link.endswith(f"/{first.pk}/") else first
            moved.append(other.pk)
            act(world, world.users["community_staff@A1"], other, "escalate", note="社区处理不了")
            act(world, world.street_chen, other, "dispatch")  # the street's, once escalated

    monkeypatch.setattr(services, "notify", notify_while_another_moves)
    services.send_due_reminders()  # other problems in the database are reminded too
    other = Problem.objects.get(pk=moved[0])
    assert other.reminder_stage == 0 and not other.overdue
    rest = second if other.pk == first.pk else first
    assert Problem.objects.get(pk=rest.pk).reminder_stage == 2  # told 已超期, as it was


def test_a_report_never_picked_up_says_the_worker_is_not_running(world):
    """No worker ran (db_worker stopped, the enqueue lost): the run sat at 0 % 排队中 and
    the page asked every second, for ever."""
    run = _queued_run(world)
    client = Client()
    client.force_login(world.secretary_zhang)
    url = f"/problems/reports/{run.pk}/"
    assert "every 1s" in client.get(url).content.decode()
    ReportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=6))
    body = client.get(url).content.decode()
    assert "后台任务没有运行" in body and "hx-get" not in body


def test_a_report_queued_behind_a_long_job_is_not_called_stalled(world):
    """The one worker busy with a street's registry import for over ten minutes: the
    queued report was declared stalled ("后台任务没有运行") and invited a duplicate run."""
    from django_tasks_db.models import DBTaskResult

    run = _queued_run(world)
    ReportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    busy = DBTaskResult.objects.create(
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=25),
        args_kwargs={"args": [], "kwargs": {}},
        task_path="shequ.registry.jobs.run_import",
        backend_name="default",
        run_after=timezone.now() - timedelta(minutes=25),
    )
    run.refresh_from_db()
    assert not run.stale
    DBTaskResult.objects.filter(pk=busy.pk).update(started_at=timezone.now() - timedelta(hours=3))
    assert run.stale  # a job "running" for hours: the worker died in it


def test_numbers_typed_into_the_responsible_party_or_a_full_width_id_are_masked(world):
    """Staff write a contact into 责任单位 ("物业 王师傅139…"), and a Chinese input
    method in full-width mode types an ID number's final X as "Ｘ": both were shown and
    exported in full."""
    from shequ.access.masking import mask_free_text

    assert mask_free_text("身份证３７０１０３１９５００１０１１２３Ｘ") == "身份证370***********123X"
    assert mask_free_text("身份证37010319500101123ｘ") == "身份证370***********123x"
    p = report(world, description="王芳身份证３７０１０３１９５００１０１１２３Ｘ，楼道下水管堵塞")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch", responsible_party="物业 王师傅13912345678")
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    sheet = load_workbook(io.BytesIO(r.getvalue()))[str(p.category.get_ledger_type_display())]
    (row,) = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == p.number]
    assert "13912345678" not in str(row) and "139****5678" in str(row)
    assert "１９５００１０１" not in str(row)
    page = client.get(f"/problems/{p.pk}/").content.decode()
    assert "13912345678" not in page and "物业 王师傅139****5678" in page


def test_a_late_problem_escalated_still_counts_its_missed_deadline(world):
    """Escalating clears the time limit; one escalated after its 办理时限 had passed
    dropped out of 应结案, and the community's 结案率 looked better than it was."""
    p = report(world)
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    missed = timezone.now() - timedelta(days=3)
    Problem.objects.filter(pk=p.pk).update(due_at=missed)
    start, end = month_range(f"{timezone.localtime(missed):%Y%m}")
    scoped = Problem.objects.filter(pk=p.pk)
    assert kpi.compute(scoped, start, end).due_to_close == 1
    act(world, world.secretary_zhang, p, "escalate", note="本级无法解决")
    p.refresh_from_db()
    assert p.due_at is None and p.missed_due_at == missed
    result = kpi.compute(scoped, start, end)
    assert (result.due_to_close, result.closed, result.closed_on_time) == (1, 0, 0)
    # Escalated before its deadline: nothing was missed.
    q = report(world)
    act(world, world.secretary_zhang, q, "accept")
    act(world, world.secretary_zhang, q, "dispatch")
    act(world, world.secretary_zhang, q, "escalate", note="本级无法解决")
    q.refresh_from_db()
    assert q.missed_due_at is None


def _handle_and_close(world, p):
    from shequ.problems.tests.helpers import jpeg

    staff = world.users["community_staff@A1"]
    p = Problem.objects.get(pk=p.pk)
    if p.status == Status.REPORTED:
        act(world, staff, p, "accept")
    if p.status in (Status.REPORTED, Status.ACCEPTED):
        p = Problem.objects.get(pk=p.pk)
        # Escalated to the street, it is the street's to dispatch.
        act(world, world.street_chen if p.handling_level == "street" else staff, p, "dispatch")
    if Problem.objects.get(pk=p.pk).status == Status.DISPATCHED:
        act(world, staff, p, "start")
    act(world, staff, p, "report_back", note="完成", photos=[jpeg()])
    return act(world, world.secretary_zhang, p, "verify_pass")


def test_a_late_closing_reopened_stays_late_in_its_month(world):
    """Closed after its time limit, reopened, closed again within the fresh limit: the
    first closing stays late in October, and the second cycle is judged by its own limit."""
    bj = timezone.get_fixed_timezone(8 * 60)
    p = _handle_and_close(world, report(world))
    Problem.objects.filter(pk=p.pk).update(
        reported_at=datetime(2026, 10, 20, 9, tzinfo=bj),
        due_at=datetime(2026, 10, 21, 9, tzinfo=bj),
        closed_at=datetime(2026, 10, 30, 9, tzinfo=bj),
    )
    act(world, world.resident_wang, p, "reopen", note="又堵了")
    p = _handle_and_close(world, p)
    assert p.missed_due_at is None and p.closed_on_time is True
    october = kpi.compute(Problem.objects.filter(pk=p.pk), *month_range("202610"))
    assert (october.due_to_close, october.closed, october.closed_on_time) == (1, 1, 0)
    assert october.closed_in_period == 1
    start, end = month_range(f"{timezone.localtime(p.due_at):%Y%m}")
    later = kpi.compute(Problem.objects.filter(pk=p.pk), start, end, now=end)
    assert (later.due_to_close, later.closed, later.closed_on_time) == (1, 1, 1)


def test_a_closing_reopened_later_keeps_its_month_and_its_rating(world, monkeypatch):
    """Closed on time in October and rated 2 stars, reopened in November: October's
    report, made again, lost the problem from 应结案 and the rating from 满意率 (the
    unhappy residents who reopen were the ones whose ratings vanished)."""
    bj = timezone.get_fixed_timezone(8 * 60)
    p = _handle_and_close(world, report(world))
    act(world, world.resident_wang, p, "evaluate", resolved=False, satisfaction=2)
    Problem.objects.filter(pk=p.pk).update(
        reported_at=datetime(2026, 10, 20, 9, tzinfo=bj),
        due_at=datetime(2026, 10, 27, 9, tzinfo=bj),
        closed_at=datetime(2026, 10, 25, 9, tzinfo=bj),
    )
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 3, 9, tzinfo=bj))
    act(world, world.resident_wang, p, "reopen", note="还是堵")
    monkeypatch.undo()
    october = monthly.gather(world.areas["A1"].path, "202610")["kpis"]
    assert (october.due_to_close, october.closed, october.closed_on_time) == (1, 1, 1)
    assert (october.closed_in_period, october.rated, october.resolved, october.satisfied) == (1, 1, 0, 0)
    # The other way round: a place that is not the problem's does not count its closing.
    elsewhere = monthly.gather(world.areas["A2"].path, "202610")["kpis"]
    assert (elsewhere.due_to_close, elsewhere.rated) == (0, 0)
    p.refresh_from_db()
    assert p.closed_at is None and p.satisfaction is None and p.due_at > datetime(2026, 11, 3, tzinfo=bj)
    november = kpi.compute(
        Problem.objects.filter(pk=p.pk), *month_range("202611"), now=p.due_at + timedelta(hours=1)
    )
    assert (november.due_to_close, november.closed, november.rated) == (1, 0, 0)


def _exported_rows(client, world, p):
    """The rows of ``p`` in community A1's ledger export of its month, from every sheet."""
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    return [
        row
        for ws in load_workbook(io.BytesIO(r.getvalue())).worksheets
        for row in ws.iter_rows(min_row=2, values_only=True)
        if row[0] == p.number
    ]


def test_the_ledger_says_a_late_escalation_was_not_on_time(world):
    """The ledger compared the closing with the new level's time limit only and said 是
    where the measures count the problem late."""
    staff = world.users["community_staff@A1"]
    p = report(world)
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    missed = timezone.now() - timedelta(days=2)
    Problem.objects.filter(pk=p.pk).update(due_at=missed)
    act(world, staff, Problem.objects.get(pk=p.pk), "escalate", note="本级无法解决")
    p = _handle_and_close(world, p)
    assert p.closed_on_time is False
    c = Client()
    c.force_login(world.secretary_zhang)
    rows = _exported_rows(c, world, p)
    assert len(rows) == 1 and rows[0][15] == "否"
    assert f"原时限 {timezone.localtime(missed):%Y-%m-%d %H:%M} 已过" in rows[0][13]


def test_a_rework_counts_only_in_the_cycle_it_was_made_in(world, monkeypatch):
    """Reworked and closed in October, reopened, closed again in November without a 返工:
    November's 返工率 counted the October rework a second time (and every later month
    would have too)."""
    bj = timezone.get_fixed_timezone(8 * 60)
    staff = world.users["community_staff@A1"]
    p = report(world)
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, staff, p, "start")
    from shequ.problems.tests.helpers import jpeg

    act(world, staff, p, "report_back", note="完成", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_fail", note="还是堵")
    p = _handle_and_close(world, p)
    Problem.objects.filter(pk=p.pk).update(closed_at=datetime(2026, 10, 25, 9, tzinfo=bj))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 3, 9, tzinfo=bj))
    act(world, world.resident_wang, p, "reopen", note="又堵了")
    monkeypatch.undo()
    p = _handle_and_close(world, p)
    Problem.objects.filter(pk=p.pk).update(closed_at=datetime(2026, 11, 5, 9, tzinfo=bj))
    p.refresh_from_db()
    assert (p.rework_count, p.reworks_before) == (1, 1)  # the ledger still shows its one 返工
    scoped = Problem.objects.filter(pk=p.pk)
    october = kpi.compute(scoped, *month_range("202610"))
    november = kpi.compute(scoped, *month_range("202611"))
    assert (october.closed_in_period, october.reworked) == (1, 1)
    assert (november.closed_in_period, november.reworked) == (1, 0)
    # Sent back in the new cycle: that closing is a reworked one again.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 10, 9, tzinfo=bj))
    act(world, world.resident_wang, p, "reopen", note="第三次堵")
    monkeypatch.undo()
    act(world, staff, p, "report_back", note="完成", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_fail", note="没修好")
    p = _handle_and_close(world, p)
    Problem.objects.filter(pk=p.pk).update(closed_at=datetime(2026, 11, 20, 9, tzinfo=bj))
    november = kpi.compute(scoped, *month_range("202611"))
    assert (november.closed_in_period, november.reworked) == (2, 1)


def test_a_late_problem_merged_after_escalating_still_counts_its_missed_deadline(world):
    """Escalated after its 办理时限, then merged into a duplicate at the next level: merged
    problems were left out of 应结案 altogether, so any late problem could leave the
    rates by escalating and merging."""
    p = report(world)
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    missed = timezone.now() - timedelta(days=3)
    Problem.objects.filter(pk=p.pk).update(due_at=missed)
    act(world, world.secretary_zhang, p, "escalate", note="本级无法解决")
    other = report(world)
    act(
        world,
        world.users["street_admin@A"],
        Problem.objects.get(pk=p.pk),
        "merge",
        into=other.pk,
        note="重复",
    )
    p.refresh_from_db()
    assert p.status == Status.MERGED and p.missed_due_at == missed
    start, end = month_range(f"{timezone.localtime(missed):%Y%m}")
    result = kpi.compute(Problem.objects.filter(pk=p.pk), start, end)
    assert (result.due_to_close, result.closed, result.closed_on_time) == (1, 0, 0)
    # Merged at triage, with no deadline ever missed: not due to close, as before.
    q = report(world)
    act(world, world.secretary_zhang, q, "merge", into=other.pk, note="重复")
    this_month = month_range(f"{timezone.localtime():%Y%m}")
    assert kpi.compute(Problem.objects.filter(pk=q.pk), *this_month).due_to_close == 0


def test_the_migration_splits_existing_reworks_by_cycle(world):
    """Closings kept before reworks_before existed hold the running total of 返工: the
    migration gives each the count its cycle began with, and the problem its last."""
    import importlib

    from django.apps import apps

    from shequ.problems.models import ReopenedClosing

    migration = importlib.import_module("shequ.problems.migrations.0012_reworks_before")
    p = _handle_and_close(world, report(world))
    Problem.objects.filter(pk=p.pk).update(rework_count=3, reopen_count=2)
    at = timezone.now()
    for rework_count, days in ((1, 20), (2, 10)):
        ReopenedClosing.objects.create(
            problem=p,
            area_path=p.area_path,
            closed_at=at - timedelta(days=days + 1),
            rework_count=rework_count,
            reopened_at=at - timedelta(days=days),
        )
    migration.from_closings(apps, None)
    kept = list(ReopenedClosing.objects.filter(problem=p).order_by("reopened_at"))
    assert [(c.rework_count, c.reworks_before) for c in kept] == [(1, 0), (2, 1)]
    assert Problem.objects.get(pk=p.pk).reworks_before == 2


def test_the_ledger_names_a_building_with_the_grid_it_stands_in(world):
    """所在网格/社区 showed "楼A1-1" alone for a problem placed on a building."""
    building = world.areas["A1-1-b"]
    p = report(world)
    Problem.objects.filter(pk=p.pk).update(area=building, area_path=building.path)
    c = Client()
    c.force_login(world.secretary_zhang)
    rows = _exported_rows(c, world, p)
    assert len(rows) == 1 and rows[0][5] == f"{world.areas['A1-1'].name} {building.name}"
    page = c.get("/problems/ledgers/", {"area": world.areas["A1"].code, "month": p.month}).content.decode()
    assert f"{world.areas['A1-1'].name} {building.name}" in page
