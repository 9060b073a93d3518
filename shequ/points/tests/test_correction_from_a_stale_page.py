"""Two staff correcting one waybill: the second, from a page opened before the first's
correction, replaced it without a word (the buyer told twice, the right number possibly
lost). A correction from a page older than the order's last step is refused, naming who
corrected it to what, and the page keeps what was typed; the API takes ``seen`` too."""

import re

import pytest

from shequ.points.models import Order, OrderEvent
from shequ.points.tests.helpers import fund, item, move, redeem
from shequ.testing.clients import client_for, send_json

pytestmark = pytest.mark.django_db


def _shipped(world):
    buyer = world.resident_wang
    fund(world, buyer, 100)
    order = redeem(buyer, item(world))
    move(world.secretary_zhang, order, "pack")
    move(world.secretary_zhang, order, "ship", courier="顺丰速运", tracking_no="SF1234567809")
    return order


def _seen(page: str) -> str:
    form = re.search(r'<form [^>]*id="act-correct_shipping".*?</form>', page, re.S)
    assert form is not None
    found = re.search(r'name="seen" value="(\d+)"', form.group(0))
    assert found is not None
    return found.group(1)


def test_a_correction_from_a_page_opened_before_a_colleagues_is_refused(world):
    order = _shipped(world)
    staff = world.users["community_staff@A1"]
    c = client_for(staff)
    seen = _seen(c.get(f"/points/orders/{order.pk}/").content.decode())
    move(world.secretary_zhang, order, "correct_shipping", courier="顺丰速运", tracking_no="SF1234567890")
    r = c.post(
        f"/points/orders/{order.pk}/act/",
        {"action": "correct_shipping", "courier": "中国邮政", "tracking_no": "9800012345678", "seen": seen},
    )
    body = r.content.decode()
    assert r.status_code == 409
    assert f"已由{world.secretary_zhang}于" in body
    assert "进行了“更正快递单号”，快递现在为“顺丰速运 SF1234567890”" in body
    assert 'value="9800012345678"' in body  # what was typed, kept
    assert Order.objects.get(pk=order.pk).tracking_no == "SF1234567890"
    assert OrderEvent.objects.filter(order=order, action="correct_shipping").count() == 1
    # From the page as it is now, the correction goes through.
    seen = _seen(c.get(f"/points/orders/{order.pk}/").content.decode())
    form = {"action": "correct_shipping", "courier": "中国邮政", "tracking_no": "9800012345678", "seen": seen}
    assert c.post(f"/points/orders/{order.pk}/act/", form).status_code == 302
    assert Order.objects.get(pk=order.pk).tracking_no == "9800012345678"
    # The same correction sent twice (a double tap) is still answered as done once.
    assert c.post(f"/points/orders/{order.pk}/act/", form).status_code == 302
    assert OrderEvent.objects.filter(order=order, action="correct_shipping").count() == 2


def test_the_api_refuses_a_correction_from_an_older_version(world):
    order = _shipped(world)
    c = client_for(world.users["community_staff@A1"])
    version = c.get(f"/api/v1/store/orders/{order.pk}").json()["version"]
    move(world.secretary_zhang, order, "correct_shipping", courier="顺丰速运", tracking_no="SF1234567890")
    body = {"action": "correct_shipping", "courier": "中国邮政", "tracking_no": "9800012345678"}
    url = f"/api/v1/store/orders/{order.pk}/transitions"
    r = send_json(c, "POST", url, body | {"seen": version})
    assert r.status_code == 409 and r.json()["code"] == "changed"
    assert Order.objects.get(pk=order.pk).tracking_no == "SF1234567890"
