"""A store item's 说明 is read by every resident of the street on the store page and in
GET /store/items/: a phone or ID number staff typed into it ("领取请联系楼长王阿姨 139…")
is shown masked there, as in a venue's description, and kept as stored when a client
sends the masked text back."""

import pytest

from shequ.core.errors import ValidationFailed
from shequ.points import services
from shequ.testing.clients import client_for, send_json

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _item(world):
    return services.create_item(
        world.secretary_zhang,
        services.ItemInput(
            name="食用油 5L",
            price=20,
            stock=5,
            area=world.areas["A1"].code,
            description=f"社区服务站领取，联系楼长王阿姨 {PHONE}",
        ),
    )


def test_a_number_in_an_items_description_is_masked_for_residents(world):
    item = _item(world)
    wang = client_for(world.resident_wang)
    page = wang.get("/points/store/").content.decode()
    assert "食用油 5L" in page
    assert PHONE not in page and "139****5678" in page
    listed = {i["id"]: i["description"] for i in wang.get("/api/v1/store/items/").json()["items"]}
    assert listed[item.pk] == "社区服务站领取，联系楼长王阿姨 139****5678"
    staff = client_for(world.secretary_zhang).get("/api/v1/store/items/?manage=true").json()["items"]
    assert PHONE not in str(staff)


def test_the_masked_description_sent_back_keeps_the_number(world):
    item = _item(world)
    staff = client_for(world.secretary_zhang)
    shown = staff.get("/api/v1/store/items/?manage=true").json()["items"]
    sent = next(i for i in shown if i["id"] == item.pk)["description"]
    r = send_json(staff, "PATCH", f"/api/v1/store/items/{item.pk}", {"description": sent, "price": 25})
    assert r.status_code == 200, r.content
    item.refresh_from_db()
    assert item.price == 25 and item.description == f"社区服务站领取，联系楼长王阿姨 {PHONE}"


def test_a_number_in_an_items_name_is_refused(world):
    """The 说明 masks a number, but the name is shown as typed on every resident's store
    page, order and notice ("理发券（张师傅 139…）"): a phone or ID number there is refused,
    naming where it belongs, when listing an item and when correcting its name."""
    with pytest.raises(ValidationFailed) as refused:
        services.create_item(
            world.secretary_zhang,
            services.ItemInput(
                name=f"理发券（张师傅 {PHONE}）", price=20, stock=5, area=world.areas["A1"].code
            ),
        )
    assert "名称" in refused.value.fields["name"] and "说明" in refused.value.fields["name"]
    item = _item(world)
    staff = client_for(world.secretary_zhang)
    r = send_json(staff, "PATCH", f"/api/v1/store/items/{item.pk}", {"name": f"食用油 5L 王阿姨{PHONE}"})
    assert r.status_code == 400 and "名称" in r.json()["fields"]["name"]
    item.refresh_from_db()
    assert item.name == "食用油 5L"
    # A quantity or a year in a name is no number of a person's.
    services.set_item_terms(world.secretary_zhang, item.pk, services.ItemTerms(name="2026年春节礼包 5L×2"))
