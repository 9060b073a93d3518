"""A date box is a picker in today's browsers; in an older one (an office PC, a
compatibility mode) it is a text box, and the day is typed as people write it:
2026/12/3, 2026.12.3, 2026年12月3日, full-width digits. The forms refused all of these
with 日期格式应为 2026-11-22 (a visit, a care record, a tenant's lease, a 兑换期, a
service's day, a monthly list's 发布日期, a task's 截止时间), while the registry's
import read them. The forms now read them too."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from shequ.core.days import day_typed, moment_typed
from shequ.people.models import CareRecord, Visit
from shequ.points.models import RedemptionWindow, ServiceRecord
from shequ.tasks.models import MonthlyList, Task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_day_is_read_as_people_write_it():
    day = date(2026, 12, 3)
    for typed in (
        "2026-12-03",
        "2026/12/3",
        "2026.12.03",
        "2026年12月3日",
        "２０２６年１２月３日",
        "20261203",
        " 2026 / 12 / 3 ",
    ):
        assert day_typed(typed) == day, typed
    for typed in ("", "昨天", "2026-13-01", "2026/2/30", "2026-12", "١٢٣٤-01-01", "2026-12-03T10:00"):
        assert day_typed(typed) is None, typed
    at = datetime(2026, 12, 3, 18, 30)
    for typed in ("2026/12/3 18:30", "2026年12月3日 18:30", "2026年12月3日18时30分", "2026-12-03T18:30"):
        assert moment_typed(typed) == at, typed
    assert moment_typed("2026/12/3") is None and moment_typed("2026/12/3 25:00") is None


def slashed(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def test_the_forms_take_a_day_typed_with_slashes_or_in_chinese(world):
    today = timezone.localdate()
    li = client_for(world.grid_worker_li)
    household = world.households["A1-1-h2"]
    r = li.post(
        f"/households/{household.pk}/visits/new/",
        {"visited_on": slashed(today), "people_met": "户主", "situation": "独居，想装扶手"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Visit.objects.latest("id").visited_on == today

    zhang = client_for(world.secretary_zhang)
    oldest = world.residents["A1-1-h1-r1"]
    typed = f"{today.year}年{today.month}月{today.day}日"
    r = zhang.post(
        f"/residents/{oldest.pk}/care/", {"kind": "phone", "content": "电话问候", "cared_on": typed}
    )
    assert r.status_code == 302
    assert CareRecord.objects.filter(resident=oldest).latest("id").cared_on == today

    r = zhang.post(
        "/points/service/",
        {
            "resident": world.residents["A1-1-h2-r2"].pk,
            "kind": "errand",
            "note": "代办医保",
            "points": "5",
            "served_on": slashed(today),
        },
    )
    assert r.status_code == 302
    assert ServiceRecord.objects.latest("id").served_on == today

    starts = date(2091, 1, 1)
    r = zhang.post(
        "/points/catalogue/",
        {
            "form": "window",
            "area": world.areas["A1"].code,
            "name": "2091年第一季度",
            "starts_on": "2091.1.1",
            "ends_on": "2091年3月31日",
        },
    )
    assert r.status_code == 302
    window = RedemptionWindow.objects.get(name="2091年第一季度")
    assert (window.starts_on, window.ends_on) == (starts, date(2091, 3, 31))

    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    r = zhang.post(
        "/tasks/monthly/",
        {
            "area": world.areas["A1"].code,
            "month": f"{nxt:%Y%m}",
            "publish_on": slashed(nxt + timedelta(days=4)),
        },
    )
    assert r.status_code == 302
    monthly = MonthlyList.objects.get(area=world.areas["A1"], month=f"{nxt:%Y%m}")
    assert monthly.publish_on == nxt + timedelta(days=4)

    due = today + timedelta(days=5)
    r = zhang.post(
        "/tasks/new/",
        {
            "title": "清理楼道杂物",
            "description": "3单元楼道堆放杂物，需要清理",
            "category": "replace_bulb",
            "difficulty": "easy",
            "places": "1",
            "deadline": f"{slashed(due)} 18:00",
            "area": world.areas["A1-1"].code,
            "audience": "public",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    task = Task.objects.latest("id")
    assert timezone.localtime(task.deadline).replace(tzinfo=None) == datetime.combine(
        due, datetime.min.time()
    ).replace(hour=18)


def test_the_audit_log_is_filtered_by_a_day_typed_with_slashes(world):
    today = timezone.localdate()
    auditor = client_for(world.users["auditor@A"])
    r = auditor.get("/audit/", {"since": slashed(today), "until": slashed(today)})
    assert r.status_code == 200
    assert "开始日期格式应为" not in r.content.decode() and "结束日期格式应为" not in r.content.decode()
