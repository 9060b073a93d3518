from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from shequ.access.models import AuditEvent
from shequ.core.errors import NotFound, RateLimited, ValidationFailed
from shequ.people import selectors, services
from shequ.people.models import Resident
from shequ.people.services import ResidentInput

pytestmark = pytest.mark.django_db


def add(world, name, id_number, phone="", relation="child", **kw):
    household = world.households["A1-1-h2"]
    data = ResidentInput(name=name, id_number=id_number, phone=phone, relation=relation, **kw)
    return services.register_resident(data, household)[0]


def test_gender_and_birth_date_come_from_the_id_number(world):
    r = add(world, "张三", "11010519491231002X")
    assert (r.gender, r.birth_date) == ("F", date(1949, 12, 31))
    assert r.id_number_masked == "110***********002X"


def test_contradicting_gender_and_birth_date_are_named(world):
    with pytest.raises(ValidationFailed) as exc:
        add(world, "李四", "11010519491231002X", gender="M", birth_date=date(1950, 1, 1))
    assert exc.value.fields["gender"] == "性别与身份证号不符：身份证号显示为女"
    assert exc.value.fields["birth_date"] == "出生日期与身份证号不符：身份证号显示为1949年12月31日"


def test_every_bad_field_is_reported_at_once(world):
    with pytest.raises(ValidationFailed) as exc:
        add(world, "", "110105194912310021", phone="12345", relation="x")
    assert set(exc.value.fields) == {"name", "id_number", "phone", "relation"}


def test_abolished_region_registers_with_a_warning(world):
    data = ResidentInput(name="古人", id_number="440524188001010014", relation="head")
    resident, warnings = services.register_resident(data, world.households["A1-1-h2"])
    assert resident.pk and "440524" in warnings[0]


def test_the_same_id_number_cannot_be_registered_twice(world):
    add(world, "张三", "11010519491231002X")
    with pytest.raises(ValidationFailed) as exc:
        add(world, "张三", "11010519491231002X")
    assert exc.value.fields == {"id_number": "该身份证号已登记"}


def test_id_number_and_phone_are_not_stored_in_clear(world):
    add(world, "王五", "11010519491231002X", phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_resident WHERE name = %s", ["王五"])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert "11010519491231002X" not in row and "13912345678" not in row
    assert "110***********002X" in row and "139****5678" in row


def test_search_by_name_pinyin_initials_id_number_and_phone(world):
    r = add(world, "张三", "11010519491231002X", phone="13912345678")
    viewer = world.secretary_zhang
    for q in ["张三", "张", "zs", "zhangs", "ZS", "11010519491231002x", "13912345678", "139 1234 5678"]:
        found = list(selectors.resident_list(viewer, q=q).values_list("pk", flat=True))
        assert r.pk in found, q
    assert not selectors.resident_list(viewer, q="11010519491231003X").exists()
    # Out of scope: the same search by the other street's secretary finds nothing.
    assert not selectors.resident_list(world.outsider_zhao, q="zs").filter(pk=r.pk).exists()


def test_search_finds_what_a_register_and_an_input_method_write(world):
    """Missed before: a name padded with a space in the register (张　明), a query with a
    space or in full-width letters, an old 15-digit ID number, a surname's own reading."""
    from shequ.people import idcard

    old = "440524880101004"  # not in the demo's registry, which other tests load
    r = add(world, "曾　伟", idcard.from_15(old) or "")
    assert (r.name, r.name_pinyin, r.name_initials) == ("曾伟", "zengwei", "zw")
    viewer = world.secretary_zhang
    for q in ["曾伟", "曾 伟", "zw", "ｚｗ", "zeng wei", "ＺＥＮＧ", old, "4405248801 01004"]:
        assert r.pk in set(selectors.resident_list(viewer, q=q).values_list("pk", flat=True)), q


def test_residents_registered_before_read_their_surname_as_a_surname(world):
    """Migration people/0003: the keys stored with the everyday reading are read again."""
    from importlib import import_module

    from django.apps import apps

    r = add(world, "覃琴", "11010519491231002X")
    Resident.objects.filter(pk=r.pk).update(name_pinyin="tanqin", name_initials="tq")
    import_module("shequ.people.migrations.0003_surname_readings").reread(apps, None)
    r.refresh_from_db()
    assert (r.name_pinyin, r.name_initials) == ("qinqin", "qq")


def test_unmask_returns_the_value_and_writes_the_audit_row(world):
    resident = world.residents["A1-1-h1-r1"]
    before = AuditEvent.objects.count()
    value = services.unmask(world.secretary_zhang, resident.pk, "id_number", "核对低保申请", ip="10.0.0.8")
    assert value == world.full_values[resident.pk][0]
    row = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (row.event, row.actor_id, row.object_id, row.ip) == (
        "resident.unmask",
        world.secretary_zhang.pk,
        str(resident.pk),
        "10.0.0.8",
    )
    assert row.detail == {"field": "id_number", "reason": "核对低保申请"}


def test_unmask_needs_a_reason(world):
    with pytest.raises(ValidationFailed) as exc:
        services.unmask(world.secretary_zhang, world.residents["A1-1-h1-r1"].pk, "id_number", " ")
    assert exc.value.fields["reason"] == "请填写查看完整信息的事由（至少2个字）"


def test_unmask_out_of_scope_looks_like_missing(world):
    with pytest.raises(NotFound):
        services.unmask(world.outsider_zhao, world.residents["A1-1-h1-r1"].pk, "phone", "核对")


def test_grid_worker_may_unmask_phone_but_not_id_number(world):
    resident = world.residents["A1-1-h1-r1"]
    assert (
        services.unmask(world.grid_worker_li, resident.pk, "phone", "上门走访联系")
        == world.full_values[resident.pk][1]
    )
    with pytest.raises(ValidationFailed) as exc:
        services.unmask(world.grid_worker_li, resident.pk, "id_number", "上门走访联系")
    assert exc.value.fields["field"] == "您的角色无权查看该居民完整的身份证号"


@override_settings(UNMASK_PER_HOUR=3)
def test_unmask_is_rate_limited_per_hour(world):
    resident = world.residents["A1-2-h1-r1"]
    for _ in range(3):
        services.unmask(world.secretary_zhang, resident.pk, "phone", "电话回访")
    with pytest.raises(RateLimited, match="每小时最多查看3次"):
        services.unmask(world.secretary_zhang, resident.pk, "phone", "电话回访")
    r = Client()
    r.force_login(world.secretary_zhang)
    resp = r.post(
        f"/api/v1/residents/{resident.pk}/unmask",
        {"field": "phone", "reason": "电话回访"},
        content_type="application/json",
    )
    assert resp.status_code == 429 and resp.json()["code"] == "rate_limited"


def test_unmask_page_keeps_the_reason_on_error_and_shows_the_value(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    resident = world.residents["A1-1-h1-r1"]
    r = client.post(f"/residents/{resident.pk}/unmask/", {"field": "id_number", "reason": "x"})
    assert r.status_code == 400 and "至少2个字" in r.content.decode() and 'value="x"' in r.content.decode()
    r = client.post(f"/residents/{resident.pk}/unmask/", {"field": "id_number", "reason": "核对身份"})
    assert world.full_values[resident.pk][0] in r.content.decode()


def test_ages_are_computed_not_stored(world):
    r = Resident.objects.get(pk=world.residents["A1-1-h1-r1"].pk)
    today = timezone.localdate()
    expected = (
        today.year - r.birth_date.year - ((today.month, today.day) < (r.birth_date.month, r.birth_date.day))
    )
    assert r.age == expected
    assert "age" not in {f.name for f in Resident._meta.fields}
    assert timedelta(0) < today - r.birth_date


def test_a_search_by_a_full_number_stays_out_of_the_browsers_history(world):
    c = Client()
    c.force_login(world.secretary_zhang)
    r = c.get("/residents/", {"q": "11010519491231002X"}, HTTP_HX_REQUEST="true")
    assert r["HX-Push-Url"] == "false"
    assert "HX-Push-Url" not in c.get("/residents/", {"q": "zs"}, HTTP_HX_REQUEST="true")


def test_a_masked_id_number_cannot_be_completed_from_the_birth_date_beside_it(world):
    """Place code + birth date + the masked number's last four = the whole number. Where
    the number is masked (lists, details, API, page) only the birth year is shown."""
    from shequ.testing.clients import client_for

    region = world.areas["A"].code[:6]
    api = client_for(world.secretary_zhang)  # may unmask, but every such read is counted
    items = api.get("/api/v1/residents/").json()["items"]
    assert items
    for item in items:
        resident = Resident.objects.get(pk=item["id"])
        assert "birth_date" not in item and item["birth_year"] == resident.birth_date.year
        assert item["age"] == resident.age
        assert region + resident.birth_date.strftime("%Y%m%d") not in str(item)
    page = Client()
    page.force_login(world.grid_worker_li)
    resident = world.residents["A1-1-h1-r1"]
    html = page.get(f"/residents/{resident.pk}/").content.decode()
    assert f"{resident.birth_date.year}年（{resident.age}岁）" in html
    assert f"{resident.birth_date.month}月{resident.birth_date.day}日" not in html


def test_searches_by_a_full_number_are_audited_and_limited_per_hour(world):
    """Each such search confirms a guessed number or not: a masked number and the birth
    year leave a few dozen guesses, so they are counted like reads of full numbers."""
    from shequ.testing.clients import client_for

    resident = world.residents["A1-1-h1-r1"]
    number, phone = world.full_values[resident.pk]
    api = client_for(world.grid_worker_li)
    with override_settings(NUMBER_SEARCH_PER_HOUR=2):
        found = api.get("/api/v1/residents/", {"q": number}).json()["items"]
        assert [r["id"] for r in found] == [resident.pk]
        for _ in range(3):  # by name: not counted
            assert api.get("/api/v1/residents/", {"q": resident.name}).status_code == 200
        page = Client()
        page.force_login(world.grid_worker_li)
        assert page.get("/residents/", {"q": phone}).status_code == 200
        # The same number again within minutes (the live box, then Enter) is one search.
        assert api.get("/api/v1/residents/", {"q": number}).status_code == 200
        other = world.full_values[world.residents["A1-1-h1-r2"].pk][0]
        refused = api.get("/api/v1/residents/", {"q": other})
        assert refused.status_code == 429
        assert "每小时最多按完整的身份证号或电话查找2次" in refused.json()["message"]
        with pytest.raises(RateLimited):
            selectors.resident_by_id_number(world.grid_worker_li, other)
        # Half-typed digits and a number with a wrong check digit find nobody: not counted.
        wrong = number[:17] + ("0" if number[17] != "0" else "1")
        for q in (number[:7], number[:14], wrong):
            assert page.get("/residents/", {"q": q}, HTTP_HX_REQUEST="true").status_code == 200
    rows = AuditEvent.objects.filter(event="resident.number_search", actor_id=world.grid_worker_li.pk)
    assert rows.count() == 2 and number not in str(list(rows.values_list("detail", flat=True)))
