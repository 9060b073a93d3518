"""The audit log with a date it could not read (2026-11-31 typed into an office PC's text
box) said 开始日期格式应为… and listed the whole log under it, 200, as if filtered from
that day: an auditor took every row for the rows since then. A bad date now lists
nothing (400), and an end before the start is named instead of answering 没有符合条件的记录."""

import pytest

from shequ.access import audit
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(world):
    return audit.record(
        world.street_chen, "test.dates", area_path=world.areas["A1-1"].path, detail={"marker": "丙三"}
    )


@pytest.mark.parametrize(
    ("query", "field", "said"),
    [
        ({"since": "2026-11-31"}, "since", "开始日期格式应为"),
        ({"until": "昨天"}, "until", "结束日期格式应为"),
    ],
)
def test_a_date_not_read_lists_nothing(world, row, query, field, said):
    r = client_for(world.users["auditor@A"]).get("/audit/", {"event": "test.dates", **query})
    assert r.status_code == 400
    page = r.content.decode()
    assert said in page
    assert "丙三" not in page


def test_an_end_before_the_start_is_named(world, row):
    r = client_for(world.users["auditor@A"]).get(
        "/audit/", {"event": "test.dates", "since": "2026-11-20", "until": "2026-11-10"}
    )
    assert r.status_code == 400
    assert "结束日期不能早于开始日期" in r.content.decode()


def test_good_dates_still_filter(world, row):
    r = client_for(world.users["auditor@A"]).get("/audit/", {"event": "test.dates", "since": "2000-01-01"})
    assert r.status_code == 200 and "丙三" in r.content.decode()


def test_who_reads_no_audit_log_is_told_so_not_shown_an_empty_one(world, row):
    """A street admin or a resident opening /audit/ got the filters, every event name and
    没有符合条件的记录, as if nothing had been recorded (its 校验哈希链 button answered 403)."""
    for user in (world.street_chen, world.resident_wang):
        r = client_for(user).get("/audit/")
        assert r.status_code == 403
        assert "只有审计人员可以查看审计日志" in r.content.decode()
    assert client_for(world.users["auditor@A"]).get("/audit/").status_code == 200
