"""Numbers and texts too large for the database, and digits that are not ASCII, typed into the
store, task and problem forms and the API: a message naming the field, never a server
error, and what was typed kept."""

import json

import pytest
from django.utils import timezone

from shequ.core.numbers import INT_MAX
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db
HUGE = "1" * 20


def test_the_catalogue_names_a_number_too_large_and_keeps_it(world):
    c = client_for(world.secretary_zhang)
    form = {
        "name": "花生油 5L",
        "price": HUGE,
        "stock": "3",
        "per_person_limit": "１",
        "area": world.areas["A1"].code,
    }
    r = c.post("/points/catalogue/", form)
    body = r.content.decode()
    assert r.status_code == 400
    assert "所需积分必须在 1 到 100000 之间" in body and f'value="{HUGE}"' in body
    assert "每人限兑必须" not in body  # full-width digits from a Chinese input method are numbers


def test_store_and_task_forms_refuse_huge_numbers_with_a_message(world):
    from shequ.points.tests.helpers import item

    rice = item(world)
    resident = client_for(world.resident_wang)
    r = resident.post("/points/store/redeem/", {"item": HUGE, "quantity": "1"})
    assert r.status_code == 400 and "请选择兑换物品" in r.content.decode()
    r = resident.post("/points/store/redeem/", {"item": rice.pk, "quantity": "100"})
    assert r.status_code == 400 and "数量必须是 1 到 99 之间的整数" in r.content.decode()
    staff = client_for(world.secretary_zhang)
    r = staff.post(f"/points/catalogue/{rice.pk}/stock/", {"add": HUGE})
    assert r.status_code == 400 and "入库数量（出库填负数）必须在" in r.content.decode()
    r = staff.post("/tasks/monthly/", {"area": world.areas["A1"].code, "month": "000001"})
    assert r.status_code == 400 and "月份“000001”的年份须在 2000 到 2100 年之间" in r.content.decode()
    assert 'value="000001"' in r.content.decode()


def test_the_api_names_a_number_too_large(world):
    from shequ.points.tests.helpers import item

    rice = item(world)
    staff = client_for(world.secretary_zhang)
    body = {"name": "米", "price": 10**20, "stock": 1, "area": world.areas["A1"].code}
    r = staff.post("/api/v1/store/items/", json.dumps(body), content_type="application/json")
    assert r.status_code == 422
    assert r.json()["fields"] == {"price": f"不能大于 {INT_MAX}"}
    r = client_for(world.resident_wang).post(
        "/api/v1/store/orders/", json.dumps({"item": 10**20}), content_type="application/json"
    )
    assert r.status_code == 422 and "item" in r.json()["fields"]
    r = staff.post(
        f"/api/v1/store/items/{rice.pk}/stock",
        json.dumps({"add": -(10**12)}),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["fields"] == {"add": f"不能小于 {-INT_MAX}"}


def test_an_id_too_large_in_a_path_is_not_a_server_error(world):
    staff = client_for(world.secretary_zhang)
    # SQLite cannot bind the number (a 400 saying so); PostgreSQL finds no such row (404).
    r = staff.get(f"/api/v1/store/orders/{HUGE}")
    assert r.status_code in (400, 404) and r.json()["message"]
    r = staff.get(f"/points/orders/{HUGE}/")
    assert r.status_code in (400, 404)


def test_a_page_number_too_large_is_named(world):
    staff = client_for(world.secretary_zhang)
    r = staff.get("/api/v1/problems/", {"page": HUGE})
    assert r.status_code == 422 and r.json()["fields"] == {"page": "不能大于 1000000"}
    r = staff.post("/problems/agenda/", {"item": "abc"})
    assert r.status_code == 404


def test_texts_longer_than_their_column_are_refused_not_cut(world):
    from shequ.core.errors import ValidationFailed
    from shequ.points import services as points
    from shequ.tasks import services as tasks

    with pytest.raises(ValidationFailed) as exc:
        tasks.add_unit(
            world.secretary_zhang,
            tasks.UnitInput(
                name="物" * 101, kind="property_company", area=world.areas["A1"].code, contact_name="张" * 51
            ),
        )
    assert exc.value.fields == {
        "name": "单位名称不能超过 100 个字（现在 101 个字）",
        "contact_name": "联系人不能超过 50 个字（现在 51 个字）",
    }
    with pytest.raises(ValidationFailed) as exc:
        points.add_window(
            world.secretary_zhang, world.areas["A1"].code, "期" * 51, *[timezone.localdate()] * 2
        )
    assert exc.value.fields == {"name": "兑换期名称不能超过 50 个字（现在 51 个字）"}
    c = client_for(world.secretary_zhang)
    r = c.post(
        "/tasks/resources/",
        {
            "form": "team",
            "name": "巡逻队",
            "kind": "patrol",
            "area": world.areas["A1"].code,
            "leader": "李" * 60,
        },
    )
    assert r.status_code == 400 and "队长不能超过 50 个字（现在 60 个字）" in r.content.decode()


def test_digits_python_cannot_read_are_named_not_a_server_error(world):
    """A "²" passes ``str.isdigit`` and then fails ``int()``: every field that reads a month,
    a year or an id reads digits as NFKC makes them, and names anything else."""
    from shequ.core.numbers import month_param
    from shequ.people import idcard

    assert month_param("2026-11") == month_param("２０２６１１") == month_param("²⁰²⁶¹¹") == "202611"
    assert [month_param(raw) for raw in ("000001", "202613", "2026-1", "二〇二六", "")] == [None] * 5

    notice = f"/points/notice/{world.areas['A1'].code}/"
    r = client_for(world.resident_wang).get(notice, {"year": "²"})
    assert r.status_code == 400 and "年份必须是 2000 到 2100 之间的整数" in r.content.decode()
    assert client_for(world.resident_wang).get(notice, {"year": "²⁰²⁵"}).status_code == 200

    staff = client_for(world.secretary_zhang)
    assert staff.get("/tasks/new/", {"problem": "²"}).status_code == 404  # problem 2: none such
    assert staff.get("/tasks/new/", {"problem": "二"}).status_code == 200  # no number: a blank task
    a1 = world.areas["A1"].code
    for month in ("000001", "0000-01"):
        r = staff.get("/api/v1/visits/coverage", {"area": a1, "month": month})
        assert (
            r.status_code == 400
            and r.json()["fields"]["month"] == f"月份“{month}”的年份须在 2000 到 2100 年之间"
        )
        r = staff.post("/problems/reports/", {"area": a1, "month": month})
        assert r.status_code == 400 and f"月份“{month}”的年份须在 2000 到 2100 年之间" in r.content.decode()
        r = staff.get("/visits/coverage/", {"area": a1, "month": month})
        # Named beside the box (this month's figures below), not a server error.
        assert r.status_code == 400 and "年份须在 2000 到 2100 年之间" in r.content.decode()

    with pytest.raises(idcard.IdNumberError, match="前17位必须是数字"):
        idcard.parse("1101051949123100²X")


def test_list_pages_name_a_filter_value_they_do_not_know(world):
    """The task board, my tasks, order fulfilment, the care lists and the rankings showed
    an unfiltered list (or another community's ranking) for a misspelt filter, with no
    word; the API and the problem board named it."""
    staff = client_for(world.secretary_zhang)
    resident = client_for(world.resident_wang)
    for client, url, params, message in (
        (resident, "/tasks/", {"status": "xyz"}, "状态“xyz”不在可选范围内"),
        (resident, "/tasks/", {"category": "xyz"}, "类别“xyz”不在可选范围内"),
        (resident, "/tasks/", {"monthly_list": "abc"}, "月度清单编号“abc”不是有效的编号"),
        (resident, "/tasks/mine/", {"status": "xyz"}, "状态“xyz”不在可选范围内"),
        (staff, "/points/fulfil/", {"status": "xyz"}, "订单状态“xyz”不在可选范围内"),
        (staff, "/care/", {"group": "xyz"}, "重点人群“xyz”不在可选范围内"),
        (staff, "/points/rankings/", {"community": "zzz"}, "社区“zzz”不存在或不在您的管辖范围内"),
    ):
        r = client.get(url, params)
        assert r.status_code == 400 and message in r.content.decode(), (url, params)
    assert resident.get("/tasks/", {"status": "published"}).status_code == 200
    blank = staff.get("/care/", {"group": ""})  # no "all" list: blank is the first one
    assert blank.status_code == 200 and 'class="chip on"' in blank.content.decode()
    assert staff.get("/points/rankings/", {"community": world.areas["A1"].code}).status_code == 200


def test_messages_say_what_is_wrong_without_echoing_a_whole_paste(world):
    """An impossible window date was called missing, and an unknown area code came back
    whole in the message (10,000 characters pasted by mistake)."""
    staff = client_for(world.secretary_zhang)
    form = {"form": "window", "area": world.areas["A1"].code, "name": "冬季兑换"}
    r = staff.post("/points/catalogue/", {**form, "starts_on": "2026-02-30", "ends_on": "2026-03-31"})
    assert r.status_code == 400 and "兑换期的开始日期“2026-02-30”不是有效的日期" in r.content.decode()
    pasted = "9" * 10_000
    r = client_for(world.resident_wang).post(
        "/api/v1/problems/",
        json.dumps({"category": "garbage", "description": "垃圾没人清运", "area": pasted}),
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["fields"]["area"] == f"区域编码 {'9' * 30} 不存在"
