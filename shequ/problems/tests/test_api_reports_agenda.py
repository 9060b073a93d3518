"""The monthly report (生成、报送街道), the street's table of 报送 and the joint meeting's
agenda were pages only: a client (the street's platform, an app) could read the problems
but not send a report, see who had sent theirs, or read and mark the agenda. Each now has
an API twin that answers what the page shows and refuses what it refuses, in Chinese."""

import pytest
from django.utils import timezone

from shequ.problems.models import AgendaItem, ReportRun
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_community_requests_its_report_polls_it_and_sends_it_to_the_street(world):
    client = client_for(world.secretary_zhang)
    a1 = world.areas["A1"]
    month = f"{timezone.localdate():%Y-%m}"
    r = client.post(
        "/api/v1/problem-report-runs", {"area": a1.code, "month": month}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["area"] == a1.code and run["month"] == month.replace("-", "") and run["status"] == "queued"
    assert run["xlsx_url"] == "" and run["submitted_at"] is None
    listed = client.get("/api/v1/problem-report-runs").json()
    assert listed["items"][0]["id"] == run["id"] and listed["count"] >= 1
    # Not done yet: refused with the page's reason.
    r = client.post(f"/api/v1/problem-report-runs/{run['id']}/submit")
    assert r.status_code == 400 and "生成完成后才能报送" in r.json()["fields"]["run"]
    ReportRun.objects.filter(pk=run["id"]).update(
        status="done", progress=100, xlsx_file="x.xlsx", docx_file="x.docx", finished_at=timezone.now()
    )
    done = client.get(f"/api/v1/problem-report-runs/{run['id']}").json()
    assert done["xlsx_url"] == f"/problems/reports/{run['id']}/xlsx/"
    sent = client.post(f"/api/v1/problem-report-runs/{run['id']}/submit").json()
    assert sent["submitted_at"] is not None
    again = client.post(f"/api/v1/problem-report-runs/{run['id']}/submit")
    assert again.status_code == 400 and "已于" in again.json()["fields"]["run"]
    # The street sees it on its table of 报送, as on the page.
    rows = client_for(world.street_chen).get(f"/api/v1/problem-report-submissions?month={month}").json()
    mine = next(row for row in rows if row["community"] == a1.code)
    assert mine["latest_run"] == run["id"] and mine["first_submitted_at"] is not None
    assert any(row["community"] == world.areas["A2"].code and row["latest_run"] is None for row in rows)
    # Someone who reports for no street sees no table.
    assert client.get("/api/v1/problem-report-submissions").json() == []


def test_bad_months_and_places_are_named(world):
    client = client_for(world.secretary_zhang)
    a1 = world.areas["A1"]
    for month, said in (("2026-13", "月份"), ("2099-01", "还没到")):
        r = client.post(
            "/api/v1/problem-report-runs", {"area": a1.code, "month": month}, content_type="application/json"
        )
        assert r.status_code == 400 and said in r.json()["fields"]["month"], (month, r.content)
    grid = world.areas["A1-1"]
    r = client.post(
        "/api/v1/problem-report-runs", {"area": grid.code, "month": ""}, content_type="application/json"
    )
    assert r.status_code == 400 and "月报按街道或社区生成" in r.json()["fields"]["area"]
    street = client_for(world.street_chen)
    for month, said in (("2026-13", "月份"), ("2099-01", "还没到")):
        r = street.get(f"/api/v1/problem-report-submissions?month={month}")
        assert r.status_code == 400 and said in r.json()["fields"]["month"], (month, r.content)


def test_the_agenda_is_read_and_marked_discussed_by_the_street(world):
    secretary = world.users["community_secretary@A1"]
    p = report(world, world.user("resident@A1-1-h1"), category="property_management", key="A1-1")
    act(world, secretary, p, "accept")
    act(world, secretary, p, "dispatch")  # street level: on the agenda
    item = AgendaItem.objects.get(problem=p)
    street = client_for(world.street_chen)
    rows = street.get("/api/v1/problem-agenda").json()["items"]
    row = next(r for r in rows if r["id"] == item.pk)
    assert row["problem_number"] == p.number and row["waiting"] and row["may_mark_discussed"]
    assert row["community_name"] == world.areas["A1"].name
    # The community's secretary sees it, but only the street marks it.
    own = client_for(secretary)
    seen = next(r for r in own.get("/api/v1/problem-agenda").json()["items"] if r["id"] == item.pk)
    assert not seen["may_mark_discussed"]
    assert own.post(f"/api/v1/problem-agenda/{item.pk}/discussed").status_code in (403, 404)
    done = street.post(f"/api/v1/problem-agenda/{item.pk}/discussed").json()
    assert done["discussed_at"] is not None and not done["waiting"]
    # A grid worker has no agenda: refused, not an empty list that looks like nothing waits.
    worker = client_for(world.grid_worker_li)
    assert worker.get("/api/v1/problem-agenda").status_code == 403
    assert worker.get("/api/v1/problem-report-runs").status_code == 403
