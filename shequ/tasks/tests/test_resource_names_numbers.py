"""A unit's, a service team's, a venue's and a redemption window's name were taken as
typed: "物业服务中心13812345678" was then listed in full on the resource list, targeted
tasks and every resident's store page, while the other free-text names (a store item's,
a unit's 联系人, a talent's 行业) already refused a phone or ID number. These do too,
naming the field, and the page keeps what was typed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.core.errors import ValidationFailed
from shequ.points import services as points
from shequ.tasks import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _refused(call):
    with pytest.raises(ValidationFailed) as exc:
        call()
    return exc.value.fields.get("name", "")


def test_a_phone_in_a_unit_team_or_venue_name_is_refused(world):
    who, area = world.secretary_zhang, world.areas["A1"].code
    unit = _refused(
        lambda: services.add_unit(
            who, services.UnitInput(name=f"物业服务中心{PHONE}", kind="property_company", area=area)
        )
    )
    assert "单位名称会显示给他人，请不要写电话或证件号" in unit and "联系电话" in unit
    team = _refused(lambda: services.add_team(who, f"巡逻队 {PHONE}", "patrol", area))
    assert "服务队名称会显示给他人" in team
    venue = _refused(lambda: services.add_venue(who, f"活动室（{PHONE}）", "venue", area))
    assert "名称会显示给他人" in venue and "说明" in venue
    # A name without a number is still taken.
    assert services.add_team(who, "第2巡逻队", "patrol", area).name == "第2巡逻队"


def test_a_phone_in_a_window_name_is_refused(world):
    today, code = timezone.localdate(), world.areas["A1"].code
    end = today + timedelta(days=10)
    name = _refused(lambda: points.add_window(world.secretary_zhang, code, f"四季度 {PHONE}", today, end))
    assert "兑换期名称会显示给每位居民" in name


def test_the_resources_page_names_the_field_and_keeps_the_name(world):
    r = client_for(world.secretary_zhang).post(
        "/tasks/resources/",
        {"form": "team", "name": f"巡逻队{PHONE}", "kind": "patrol", "area": world.areas["A1"].code},
    )
    page = r.content.decode()
    assert r.status_code == 400 and "服务队名称会显示给他人" in page and f"巡逻队{PHONE}" in page
