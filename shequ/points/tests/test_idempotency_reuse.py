"""A key sent again with other content is refused, not answered with the first record;
a key too long is refused, not cut (two keys sharing 80 characters were one)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.access.services import add_user
from shequ.core.errors import ValidationFailed
from shequ.people.models import Resident
from shequ.points import services
from shequ.points.models import Order, ServiceRecord
from shequ.points.tests.helpers import fund, item
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def post_json(client, url, body, key):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_an_order_key_reused_for_another_item_or_quantity_is_refused(world):
    fund(world, world.resident_wang, 100)
    towel, soap = item(world, name="毛巾", price=5), item(world, name="肥皂", price=3)
    api = client_for(world.resident_wang)
    first = post_json(api, "/api/v1/store/orders/", {"item": towel.pk}, "k1")
    assert first.status_code == 201
    again = post_json(api, "/api/v1/store/orders/", {"item": towel.pk}, "k1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    for other in ({"item": soap.pk}, {"item": towel.pk, "quantity": 2}):
        r = post_json(api, "/api/v1/store/orders/", other, "k1")
        assert r.status_code == 400 and "idempotency_key" in r.json()["fields"]
        assert f"订单 #{first.json()['id']}（毛巾×1）" in r.json()["message"]
    assert Order.objects.filter(user=world.resident_wang).count() == 1
    long = post_json(api, "/api/v1/store/orders/", {"item": soap.pk}, "x" * 81)
    assert long.status_code == 400 and "不能超过80个字符" in long.json()["fields"]["idempotency_key"]


def test_a_task_key_reused_for_another_task_is_refused(world):
    deadline = timezone.now() + timedelta(days=7)  # a repeat sends the same deadline
    first = make_task(world, publish=False, idempotency_key="form-1", deadline=deadline)
    with pytest.raises(ValidationFailed) as exc:
        make_task(
            world,
            publish=False,
            idempotency_key="form-1",
            deadline=deadline,
            title="清理小广告",
            category="clear_ads",
        )
    assert "更换楼道灯泡" in exc.value.fields["idempotency_key"]
    assert make_task(world, publish=False, idempotency_key="form-1", deadline=deadline).pk == first.pk
    assert Task.objects.filter(idempotency_key="form-1").count() == 1


def test_a_task_key_sent_again_with_any_field_changed_is_refused(world):
    """Only the title, description and category were compared: the same key with 3
    places (or another deadline, area, difficulty, audience or targets) was answered 200
    with the first task of 2 places, and the change was dropped without a word."""
    from shequ.tasks import services as tasks
    from shequ.tasks.tests.helpers import unit_with_member

    power, _ = unit_with_member(world)
    water, _ = unit_with_member(world, name="区自来水公司")
    team = tasks.add_team(world.secretary_zhang, "志愿服务队", "volunteer", world.areas["A1"].code)
    api = client_for(world.secretary_zhang)
    body = {
        "title": "检修配电箱",
        "description": "3号楼配电箱跳闸，需要检修",
        "category": "power_maintenance",
        "difficulty": "normal",
        "places": 2,
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
        "area": world.areas["A1-1"].code,
        "audience": "targeted",
        "target_units": [power.pk],
    }
    first = post_json(api, "/api/v1/tasks/", body, "t1")
    assert first.status_code == 201, first.content
    number = first.json()["id"]
    again = post_json(api, "/api/v1/tasks/", body, "t1")
    assert (again.status_code, again.json()["id"], again.json()["places"]) == (200, number, 2)
    for change in (
        {"places": 3},
        {"deadline": (timezone.now() + timedelta(days=4)).isoformat()},
        {"area": world.areas["A1-2"].code},
        {"difficulty": "hard"},
        {"audience": "public", "target_units": []},
        {"target_units": [power.pk, water.pk]},
        {"target_units": [], "target_teams": [team.pk]},
    ):
        r = post_json(api, "/api/v1/tasks/", body | change, "t1")
        assert r.status_code == 400, (change, r.content)
        assert f"任务 #{number}“检修配电箱”" in r.json()["fields"]["idempotency_key"]
    assert Task.objects.filter(idempotency_key="t1").count() == 1
    assert Task.objects.get(pk=number).places == 2


def test_a_service_key_reused_for_another_member_is_refused(world):
    members = []
    for n, key in enumerate(("A1-1-h2-r2", "A1-1-h1-r2")):
        resident = world.residents[key]
        Resident.objects.filter(pk=resident.pk).update(party_member_kind="no_post")
        members.append(
            add_user(
                f"member-{n}",
                "pass-2026-xyz",
                role="resident",
                area_code=resident.household.code,
                resident=resident,
                check_password=False,
            )
        )
    one = services.ServiceInput(
        member=members[0].pk, kind="care", note="看望独居老人", points=6, idempotency_key="s1"
    )
    record = services.record_service(world.secretary_zhang, one)
    assert services.record_service(world.secretary_zhang, one).pk == record.pk
    other = services.ServiceInput(
        member=members[1].pk, kind="care", note="看望独居老人", points=6, idempotency_key="s1"
    )
    with pytest.raises(ValidationFailed, match="已经提交过"):
        services.record_service(world.secretary_zhang, other)
    assert ServiceRecord.objects.filter(member__in=members).count() == 1


def test_the_fulfil_rows_controls_are_named_for_their_order(world):
    """A screen reader read 'combobox' and placeholder-only boxes on every row of
    兑换订单: which order's 快递单号 was being typed could not be told."""
    fund(world, world.resident_wang, 100)
    towel = item(world, name="毛巾", price=5)
    order, _ = services.redeem(world.resident_wang, services.OrderInput(item=towel.pk))
    staff = client_for(world.secretary_zhang)
    page = staff.get("/points/fulfil/").content.decode()
    for name in ("备货", "取消原因", "取消订单"):
        assert f'aria-label="订单#{order.pk} {name}"' in page
    services.transition_order(world.secretary_zhang, order.pk, services.OrderTransitionInput(action="pack"))
    page = staff.get("/points/fulfil/?status=packed").content.decode()
    for name in ("快递公司", "快递单号", "发货"):
        assert f'aria-label="订单#{order.pk} {name}"' in page
    board = client_for(world.resident_wang).get("/tasks/").content.decode()
    assert 'aria-label="搜索任务标题"' in board


def test_a_refused_catalogue_row_on_page_two_comes_back_on_page_two(world):
    """Each row posted without its page: a refusal (入库 '5箱') re-rendered page 1, where
    the row is not, and what was typed was gone."""
    for n in range(51):
        item(world, name=f"物品{n:02d}", price=5)
    c = client_for(world.secretary_zhang)
    page = c.get("/points/catalogue/", {"page": "2"}).content.decode()
    import re

    row = re.search(r'action="/points/catalogue/(\d+)/stock/\?page=2"', page)
    assert row is not None
    r = c.post(f"/points/catalogue/{row.group(1)}/stock/?page=2", {"add": "5箱", "price": "8"})
    body = r.content.decode()
    assert r.status_code == 400 and 'value="5箱"' in body and "第 2 /" in body


def test_a_resent_form_with_other_content_is_said_and_comes_back_with_a_new_key(world):
    """期初积分 said nothing (the page showed no message for the key), and the service and
    task forms came back with the spent key: every resend was refused again."""
    import re

    account = services.account_for_user(world.resident_wang)
    c = client_for(world.secretary_zhang)
    page = c.get(f"/points/accounts/{account.pk}/").content.decode()
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found is not None
    key = found.group(1)
    url = f"/points/accounts/{account.pk}/"
    assert c.post(url, {"points": "30", "memo": "纸质台账结转", "idempotency_key": key}).status_code == 302
    r = c.post(url, {"points": "45", "memo": "第二本台账", "idempotency_key": key})
    body = r.content.decode()
    assert r.status_code == 400 and "已经提交过" in body
    again = re.search(r'name="idempotency_key" value="([^"]+)"', body)
    assert again is not None
    fresh = again.group(1)
    assert fresh != key and 'value="45"' in body
    # The fresh key is not refused as spent; the second carry-over is, as such (one an
    # account: the two ledgers are added up and entered once).
    second = c.post(url, {"points": "45", "memo": "第二本台账", "idempotency_key": fresh})
    assert second.status_code == 400 and "不能重复录入" in second.content.decode()
    assert "已经提交过" not in second.content.decode()
    account.refresh_from_db()
    assert account.balance == 30

    form = {
        "title": "清理小广告",
        "description": "楼道小广告",
        "category": "clear_ads",
        "difficulty": "easy",
        "places": "1",
        "deadline": timezone.localtime(timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "area": world.areas["A1-1"].code,
        "audience": "public",
        "idempotency_key": "task-form-1",
    }
    assert c.post("/tasks/new/", form).status_code == 302
    task_page = c.post("/tasks/new/", form | {"title": "清理2单元小广告"})
    body = task_page.content.decode()
    assert task_page.status_code == 400 and "已经提交过" in body
    assert 'name="idempotency_key" value="task-form-1"' not in body and 'value="清理2单元小广告"' in body
    # Another number of places under the same key is another request too (it was saved
    # as the first task, places 1, without a word); the page keeps what was typed.
    places = c.post("/tasks/new/", form | {"places": "3"})
    body = places.content.decode()
    assert places.status_code == 400 and "已经提交过" in body and 'value="3"' in body


def _party_member(world, key="A1-1-h2-r2"):
    resident = world.residents[key]
    Resident.objects.filter(pk=resident.pk).update(party_member_kind="no_post")
    return resident


def test_a_service_key_sent_again_with_another_day_is_refused(world):
    """The day was not compared: the same key with another served_on was answered with
    the first record, and the second day's service was dropped without a word."""
    member = _party_member(world)
    today = timezone.localdate()
    api = client_for(world.secretary_zhang)
    body = {"resident": member.pk, "kind": "care", "note": "看望独居老人", "points": 6}
    first = post_json(api, "/api/v1/points/service-records", body | {"served_on": str(today)}, "s1")
    assert first.status_code == 201, first.content
    r = post_json(
        api, "/api/v1/points/service-records", body | {"served_on": str(today - timedelta(days=1))}, "s1"
    )
    assert r.status_code == 400 and "已经提交过" in r.json()["fields"]["idempotency_key"]
    assert f"{today:%Y年%m月%d日}的服务积分" in r.json()["fields"]["idempotency_key"]
    # Without a day the request took the day it was sent: the same request again.
    same = services.ServiceInput(
        member=0, resident=member.pk, kind="care", note="看望独居老人", points=6, idempotency_key="s1"
    )
    assert services.record_service(world.secretary_zhang, same).transaction.pk == first.json()["id"]
    assert ServiceRecord.objects.filter(member__resident=member).count() == 1


def test_the_service_page_resent_with_another_day_says_so_and_keeps_the_input(world):
    member = _party_member(world)
    c = client_for(world.secretary_zhang)
    today = timezone.localdate()
    form = {
        "resident": str(member.pk),
        "kind": "care",
        "note": "看望独居老人",
        "points": "6",
        "served_on": str(today),
        "idempotency_key": "service-form-1",
    }
    assert c.post("/points/service/", form).status_code == 302
    assert c.post("/points/service/", form).status_code == 302  # a double click: one record
    yesterday = str(today - timedelta(days=1))
    r = c.post("/points/service/", form | {"served_on": yesterday})
    body = r.content.decode()
    assert r.status_code == 400 and "已经提交过" in body and f'value="{yesterday}"' in body
    assert 'value="service-form-1"' not in body  # a new key: sending again records it
    assert ServiceRecord.objects.filter(member__resident=member).count() == 1


def test_an_opening_key_sent_again_with_another_note_is_refused(world):
    """Only the points were compared: the same key with another memo was answered with
    the first carry-over, and the note dropped without a word."""
    account = services.account_for_user(world.resident_wang)
    api = client_for(world.secretary_zhang)
    url = f"/api/v1/points/accounts/{account.pk}/opening"
    first = post_json(api, url, {"points": 30, "memo": "纸质台账结转"}, "o1")
    assert first.status_code == 201, first.content
    r = post_json(api, url, {"points": 30, "memo": "云号手平台结转"}, "o1")
    assert r.status_code == 400
    assert f"交易 #{first.json()['id']}：30 分，纸质台账结转" in r.json()["fields"]["idempotency_key"]
    account.refresh_from_db()
    assert account.balance == 30


def test_a_repeated_service_or_opening_answers_200_with_the_first_record(world):
    """Both answered 201 to a repeat that made nothing, unlike problems, tasks and orders."""
    member = _party_member(world)
    account = services.account_for_user(world.resident_wang)
    api = client_for(world.secretary_zhang)
    for url, body in (
        (
            "/api/v1/points/service-records",
            {"resident": member.pk, "kind": "care", "note": "看望老人", "points": 6},
        ),
        (f"/api/v1/points/accounts/{account.pk}/opening", {"points": 30, "memo": "纸质台账结转"}),
    ):
        first = post_json(api, url, body, "k1" + url)
        again = post_json(api, url, body, "k1" + url)
        assert (first.status_code, again.status_code) == (201, 200), (url, again.content)
        assert again.json()["id"] == first.json()["id"]
    account.refresh_from_db()
    assert account.balance == 30
