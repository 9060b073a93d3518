"""The catalogue's numbers: every field at fault is named in one answer, with the range the
store really takes (所需积分 1–100000, 库存 0–1000000, 每人限兑 1–1000000), not one at a
time nor the database column's "0 到 2147483647"."""

import pytest

from shequ.points.models import StoreItem
from shequ.points.tests.helpers import item
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _new(world, **numbers):
    form = {"name": "香皂", "area": world.areas["A1"].code, "description": "", **numbers}
    return client_for(world.secretary_zhang).post("/points/catalogue/", form)


def test_a_new_item_names_every_number_out_of_range_at_once(world):
    r = _new(world, price="0", stock="-1", per_person_limit="0")
    body = r.content.decode()
    assert r.status_code == 400
    assert '<span class="field-error">所需积分须在 1 到 100000 之间</span>' in body
    assert '<span class="field-error">库存须在 0 到 1000000 件之间</span>' in body
    assert '<span class="field-error">每人限兑须在 1 到 1000000 件之间</span>' in body
    assert 'value="香皂"' in body and 'value="-1"' in body
    assert not StoreItem.objects.filter(name="香皂").exists()


def test_a_number_too_large_or_not_a_number_is_named_with_the_real_range_beside_the_others(world):
    body = _new(world, price="99999999999", stock="5", per_person_limit="99999999999").content.decode()
    assert "所需积分须在 1 到 100000 之间" in body and "每人限兑须在 1 到 1000000 件之间" in body
    assert "2147483647" not in body
    body = _new(world, price="三十", stock="-1", per_person_limit="1" * 25).content.decode()
    assert "所需积分必须是整数" in body and "库存须在 0 到 1000000 件之间" in body
    assert "每人限兑必须在 1 到 1000000 之间" in body
    assert not StoreItem.objects.filter(name="香皂").exists()


def test_an_items_row_names_every_field_at_fault_at_once_and_saves_nothing(world):
    soap = item(world, name="香皂", price=10, stock=5, limit=2)
    staff = client_for(world.secretary_zhang)
    url = f"/points/catalogue/{soap.pk}/stock/"
    r = staff.post(url, {"add": "-9", "active": "0", "price": "0", "per_person_limit": "99999999999"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "所需积分须在 1 到 100000 之间" in body and "每人限兑须在 1 到 1000000 件之间" in body
    assert "出库不能超过现有库存：现有 5 件" in body
    r = staff.post(url, {"add": "十", "active": "", "price": "1" * 20, "per_person_limit": ""})
    body = r.content.decode()
    assert "入库数量（出库填负数）必须是整数" in body and "所需积分必须在 1 到 100000 之间" in body
    soap.refresh_from_db()
    assert (soap.stock, soap.price, soap.per_person_limit, soap.active) == (5, 10, 2, True)
