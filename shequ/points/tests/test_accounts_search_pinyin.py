"""积分账户's search box is 姓名或单位, and staff at the counter type a name as they type
it in the register's search: in pinyin or its initials (zs, zhangsan), full-width from a
Chinese input method, or with a space ("张 三"). The list matched only the name as typed,
so a resident with an account was not found by pinyin, and, as the 未开户 list leaves out
those with an account, the page said nobody of that name existed. A person's account is
now found as the register finds its resident (people.selectors.search); a unit's by its
name, with the typing's width and spaces set aside."""

import pytest

from shequ.access.models import User
from shequ.people.models import Resident
from shequ.people.pinyin import name_pinyin
from shequ.points import selectors, services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _named(world, key, name):
    resident = world.residents[key]
    full, initials = name_pinyin(name)
    Resident.objects.filter(pk=resident.pk).update(name=name, name_pinyin=full, name_initials=initials)
    return services.account_for_resident(world.secretary_zhang, resident.pk)


@pytest.mark.parametrize("typed", ["qhy", "QHY", "qiuhaiyan", "ｑｈｙ", "邱 海燕", " 邱海燕 "])
def test_a_persons_account_is_found_as_the_register_finds_its_resident(world, typed):
    account = _named(world, "A1-1-h1-r1", "邱海燕")
    found = list(selectors.accounts(world.secretary_zhang, typed.strip()).values_list("pk", flat=True))
    assert account.pk in found
    listed = client_for(world.secretary_zhang).get("/points/accounts/", {"q": typed}).content.decode()
    assert f"/points/accounts/{account.pk}/" in listed


def test_a_pinyin_search_finds_no_account_out_of_scope(world):
    account = _named(world, "A1-1-h1-r1", "邱海燕")
    found = selectors.accounts(world.outsider_zhao, "qhy").values_list("pk", flat=True)
    assert account.pk not in found


def test_the_api_finds_an_account_by_pinyin(world):
    account = _named(world, "A1-1-h1-r1", "邱海燕")
    rows = client_for(world.secretary_zhang).get("/api/v1/points/accounts", {"q": "qhy"}).json()["items"]
    assert account.pk in [r["id"] for r in rows]


def test_reversals_find_a_persons_records_by_pinyin_too(world):
    # Read afresh (the world's users are shared by every test and keep their names).
    wang, li = (User.objects.get(pk=u.pk) for u in (world.resident_wang, world.users["resident@A1-2-h1"]))
    for user, name in ((wang, "邱海燕"), (li, "王伟")):
        full, initials = name_pinyin(name)
        assert user.resident_id is not None
        Resident.objects.filter(pk=user.resident_id).update(
            name=name, name_pinyin=full, name_initials=initials
        )
    services.opening_balance(world.secretary_zhang, wang, 30, "纸质台账结转")
    services.opening_balance(world.secretary_zhang, li, 40, "旧系统结转")
    staff = client_for(world.secretary_zhang)
    for typed in ("qhy", "ｑｉｕｈａｉｙａｎ", "邱 海燕"):
        page = staff.get("/points/reversals/", {"q": typed}).content.decode()
        assert "纸质台账结转" in page and "旧系统结转" not in page, typed


def test_the_service_form_finds_a_party_member_by_pinyin(world):
    member = world.residents["A1-1-h2-r2"]
    assert member.party_member_kind
    full, initials = name_pinyin("邱海燕")
    Resident.objects.filter(pk=member.pk).update(name="邱海燕", name_pinyin=full, name_initials=initials)
    staff = client_for(world.secretary_zhang)
    for typed in ("qhy", "qiuhai", "邱 海燕", "海燕"):
        page = staff.get("/points/service/", {"q": typed}).content.decode()
        assert f'<option value="{member.pk}"' in page, typed
    page = staff.get("/points/service/", {"q": "wzx"}).content.decode()
    assert f'<option value="{member.pk}"' not in page


@pytest.mark.parametrize("typed", ["中国移动 历下", " 中国移动　历下 ", "ｍｏｂｉｌｅ ａ"])
def test_a_units_account_is_found_by_its_name_with_or_without_its_space(world, typed):
    from shequ.tasks.tests.helpers import unit_with_member

    unit, _ = unit_with_member(world, name="中国移动 历下分公司 Mobile A")
    account = services.account_for_unit(unit)
    found = selectors.accounts(world.secretary_zhang, typed).values_list("pk", flat=True)
    assert account.pk in found
