"""报送街道: each community sends its month's report to the street before the 25th (seed
004: 以社区为单位建立台账，于每月25日之前上报街道党群办), and the street sees who has."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shequ.access.models import AuditEvent
from shequ.notifications.models import Notification
from shequ.problems import monthly, services
from shequ.problems.models import ReportRun
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


def at(monkeypatch, day, hour=10):
    moment = datetime(2026, 11, day, hour, tzinfo=BJ)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def finished(world, key="A1", who=None):
    run = services.request_monthly_report(
        who or world.users[f"community_secretary@{key}"], world.areas[key].code, "202611"
    )
    monthly.run_report(run.pk)
    return ReportRun.objects.get(pk=run.pk)


def overview(world, month="202611"):
    body = client_for(world.street_chen).get("/problems/reports/", {"month": month}).content.decode()
    return body[body.index('id="submissions"') :]


def row(page, name):
    start = page.index(f"<td>{name}</td>")
    return page[start : page.index("</tr>", start)]


def test_a_community_sends_its_report_in_time_and_the_street_is_told(world, monkeypatch):
    at(monkeypatch, 20)
    run = finished(world)
    secretary = client_for(world.secretary_zhang)
    page = secretary.get("/problems/reports/").content.decode()
    assert f'action="/problems/reports/{run.pk}/submit/"' in page and "报送街道" in page
    r = secretary.post(f"/problems/reports/{run.pk}/submit/")
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.submitted_by == world.secretary_zhang and run.submitted_at == timezone.now()
    row_audit = AuditEvent.objects.get(event="problem.monthly_report_submit", object_id=str(run.pk))
    assert row_audit.detail == {"month": "202611", "late": False, "correction": False}
    told = Notification.objects.filter(user=world.street_chen).latest("pk")
    assert told.text == f"{world.areas['A1'].name}2026年11月问题清单月报已报送"
    # Opened at the table of the communities' 报送, below the runs list.
    assert told.link == "/problems/reports/?month=202611#submissions"
    assert not Notification.objects.filter(user=world.secretary_zhang, text__contains="已报送").exists()
    # The run now says when, and sending it again is refused, saying when it was sent.
    assert "已报送 " in secretary.get("/problems/reports/").content.decode()
    r = secretary.post(f"/problems/reports/{run.pk}/submit/")
    assert r.status_code == 400 and "这份月报已于2026年11月20日 10:00报送街道" in r.content.decode()
    # The street sees it sent in time, and the other community not yet (not late yet).
    page = overview(world)
    assert "按时报送" in row(page, world.areas["A1"].name)
    assert f"/problems/reports/{run.pk}/xlsx/" in row(page, world.areas["A1"].name)
    assert "未报送" in row(page, world.areas["A2"].name) and "已逾期" not in row(page, world.areas["A2"].name)


def test_after_the_25th_a_missing_report_is_overdue_and_a_late_one_says_so(world, monkeypatch):
    at(monkeypatch, 20)
    run = finished(world, "A2")
    at(monkeypatch, 26)
    assert "未报送（已逾期）" in row(overview(world), world.areas["A2"].name)
    services.submit_monthly_report(world.users["community_secretary@A2"], run.pk)
    told = Notification.objects.filter(user=world.street_chen).latest("pk")
    assert told.text.endswith("月报已报送（逾期）")
    assert "逾期报送" in row(overview(world), world.areas["A2"].name)
    # An earlier month: judged by its own 25th, chosen with the page's month picker.
    assert "2026年10月的月报截止 2026年10月25日" in overview(world, "2026-10").replace("\n", "")
    page = overview(world, "2026-13")
    assert "月份“2026-13”不存在" in page and "2026年11月的月报截止" in page  # said; this month shown


def test_a_correction_is_sent_again_and_the_first_time_is_what_counts(world, monkeypatch):
    at(monkeypatch, 24)
    first = finished(world)
    services.submit_monthly_report(world.secretary_zhang, first.pk)
    at(monkeypatch, 27)
    second = finished(world)
    services.submit_monthly_report(world.secretary_zhang, second.pk)
    assert Notification.objects.filter(user=world.street_chen).latest("pk").text.endswith("已报送（更正）")
    line = row(overview(world), world.areas["A1"].name)
    assert "按时报送" in line and f"/problems/reports/{second.pk}/xlsx/" in line and "更正" in line


def test_what_cannot_be_sent_is_refused_with_the_reason(world, monkeypatch):
    at(monkeypatch, 20)
    street_run = finished(world, "A", who=world.street_chen)
    queued = services.request_monthly_report(world.secretary_zhang, world.areas["A1"].code, "202611")
    secretary = client_for(world.secretary_zhang)
    r = client_for(world.street_chen).post(f"/problems/reports/{street_run.pk}/submit/")
    assert r.status_code == 400 and "街道的月报不需报送" in r.content.decode()
    r = secretary.post(f"/problems/reports/{queued.pk}/submit/")
    assert r.status_code == 400 and "月报生成完成后才能报送街道" in r.content.decode()
    other = finished(world, "B2")
    assert secretary.post(f"/problems/reports/{other.pk}/submit/").status_code == 404
    assert client_for(world.grid_worker_li).post(f"/problems/reports/{queued.pk}/submit/").status_code == 404
    assert secretary.get(f"/problems/reports/{queued.pk}/submit/").status_code == 405
    tried = [street_run.pk, queued.pk, other.pk]
    assert not ReportRun.objects.filter(pk__in=tried, submitted_at__isnull=False).exists()
    # A community's staff see their own runs, not the street's table of communities.
    assert 'id="submissions"' not in secretary.get("/problems/reports/").content.decode()


def test_a_refused_sending_leaves_the_page_working_and_an_older_run_is_not_sent(world, monkeypatch):
    at(monkeypatch, 18)
    older = finished(world)
    at(monkeypatch, 22)
    newer = finished(world)
    secretary = client_for(world.secretary_zhang)
    assert secretary.post(f"/problems/reports/{newer.pk}/submit/").status_code == 302
    # The older run offers no button now, and sending it anyway is refused.
    page = secretary.get("/problems/reports/").content.decode()
    assert f"/problems/reports/{older.pk}/submit/" not in page and "已报送更新生成的月报" in page
    r = secretary.post(f"/problems/reports/{older.pk}/submit/")
    assert r.status_code == 400 and "这份较早的月报不能再报送" in r.content.decode()
    # The refusal is shown at the submit URL: its forms still go to the reports page.
    body = r.content.decode()
    assert 'method="post" action="/problems/reports/"' in body
    r = secretary.post("/problems/reports/", {"area": world.areas["A1"].code, "month": "2026-10"})
    assert (
        r.status_code == 302 and ReportRun.objects.filter(area=world.areas["A1"], month="202610").count() == 1
    )
    street = client_for(world.street_chen).get(f"/problems/reports/{older.pk}/submit/")
    assert street.status_code == 405
    page = client_for(world.street_chen).get("/problems/reports/", {"month": "202613"}).content.decode()
    table = page[page.index('id="submissions"') :]
    assert 'action="/problems/reports/#submissions"' in table and 'value="202613"' in table  # kept as typed


def test_a_street_with_nobody_to_receive_it_is_named_to_the_sender(world, monkeypatch):
    """Street B has no admin holding problem.export at the street level in this test: the
    secretary is told nobody was notified, rather than a silent 已报送."""
    from shequ.access.models import RoleAssignment

    at(monkeypatch, 20)
    run = finished(world, "B2")
    RoleAssignment.objects.filter(area__code=world.areas["B"].code).delete()
    r = client_for(world.users["community_secretary@B2"]).post(f"/problems/reports/{run.pk}/submit/")
    assert r.status_code == 302 and r["Location"].endswith("&told=0")
    page = client_for(world.users["community_secretary@B2"]).get(r["Location"]).content.decode()
    assert "没有人收到通知，请另行告知街道" in page
    run = finished(world, "A1")
    r = client_for(world.secretary_zhang).post(f"/problems/reports/{run.pk}/submit/")
    assert r.status_code == 302 and "told" not in r["Location"]


def test_a_viewer_over_two_streets_is_told_which_street_each_community_is_in(world, monkeypatch):
    """Staff over two streets saw the communities of both in one list, without which
    street each belongs to (two streets may each have a 新华社区)."""
    from shequ.access.roles import Role
    from shequ.access.services import add_user, assign_role

    at(monkeypatch, 20)
    both = add_user(
        "two_streets", "x", role=Role.STREET_ADMIN, area_code=world.areas["A"].code, check_password=False
    )
    assign_role(both, Role.STREET_ADMIN, world.areas["B"].code)
    body = client_for(both).get("/problems/reports/", {"month": "202611"}).content.decode()
    page = body[body.index('id="submissions"') :]
    assert "<th>街道</th><th>社区</th>" in page
    for street, community in (("A", "A1"), ("A", "A2"), ("B", "B1"), ("B", "B2")):
        assert f"<tr><td>{world.areas[street].name}</td><td>{world.areas[community].name}</td>" in page
    # One street's staff are not shown a column that would say the same street on every row.
    assert "<th>街道</th>" not in overview(world)
    assert f"<tr><td>{world.areas['A1'].name}</td>" in overview(world)


def test_a_grids_report_is_refused_when_asked_for_not_when_sent(world):
    """The form offers streets and communities; a grid's report posted by hand was made,
    then refused when sent as 街道的月报不需报送."""
    grid = world.areas["A1-1"]
    before = ReportRun.objects.filter(area=grid).count()
    r = client_for(world.secretary_zhang).post("/problems/reports/", {"area": grid.code, "month": "2026-10"})
    body = r.content.decode()
    assert r.status_code == 400 and "月报按街道或社区生成" in body and grid.name in body
    assert ReportRun.objects.filter(area=grid).count() == before
