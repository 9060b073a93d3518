"""Seed 004 has each community's ledger state, for every problem, "问题的性质、解决的措施、
解决的时限以及解决的责任主体". The ledger named the category, the time limit and the
responsible party, but not what was done: a street reading a community's ledger saw
已结案 with no word of how. 处置情况 is the note of the last 反馈 (or the reason given
for 不予立案), numbers in it masked as in every other free-text cell."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shequ.problems.ledgers import HEADERS, ledger_rows
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def _reported_back(world, note):
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note=note, photos=[jpeg()])
    return p


def test_the_ledger_says_what_was_done_and_why_a_report_was_refused(world):
    col = HEADERS.index("处置情况")
    assert HEADERS.index("责任单位") < col < HEADERS.index("状态")
    staff = world.users["community_staff@A1"]
    p = _reported_back(world, "第一次疏通，未彻底")
    act(world, world.secretary_zhang, p, "verify_fail", note="仍然堵塞")
    act(world, staff, p, "report_back", note="已请管道公司疏通，联系人13812345678", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_pass")
    refused = report(world, description="楼下有人在唱歌")
    act(world, world.secretary_zhang, refused, "reject", note="不属于问题清单受理范围")
    waiting = report(world, description="下水道又堵了一次")

    rows = {row[0]: row for row in ledger_rows(Problem.objects.filter(pk__in=[p.pk, refused.pk, waiting.pk]))}
    assert rows[p.number][col] == "已请管道公司疏通，联系人138****5678"  # the last 反馈, masked
    assert rows[refused.number][col] == "不予立案：不属于问题清单受理范围"
    assert rows[waiting.number][col] == ""
    assert all(len(row) == len(HEADERS) for row in rows.values())

    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get("/problems/ledgers/export/", {"area": world.areas["A1"].code, "month": p.month})
    sheet = load_workbook(io.BytesIO(r.getvalue()))["物业管理"]
    assert [c.value for c in sheet[2]] == HEADERS
    (row,) = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == p.number]
    assert row[col] == "已请管道公司疏通，联系人138****5678"
    page = client.get("/problems/ledgers/", {"area": world.areas["A1"].code, "month": p.month})
    assert "<th>处置情况</th>" in page.content.decode()
    assert "已请管道公司疏通" in page.content.decode()
