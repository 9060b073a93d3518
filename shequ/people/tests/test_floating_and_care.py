from datetime import date, timedelta

import pytest
from django.utils import timezone

from shequ.core import fieldcrypt
from shequ.core.errors import NotFound, ValidationFailed
from shequ.people import selectors, services
from shequ.people.models import Resident
from shequ.people.services import FloatingInput

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def floating_residents(world, grid="A1-1"):
    """The grid's residents, made floating in the database (the shared world's objects
    are left as they are: other tests read them)."""
    ids = [r.pk for k, r in sorted(world.residents.items()) if k.startswith(grid + "-")]
    Resident.objects.filter(pk__in=ids).update(residence_type="floating")
    found = Resident.objects.in_bulk(ids)
    return [found[i] for i in ids]


def test_permit_number_is_encrypted_and_masked_and_landlord_must_be_in_scope(world):
    tenant, landlord, *_ = floating_residents(world)
    profile = services.set_floating(
        world.grid_worker_li,
        tenant.pk,
        FloatingInput(landlord_id=landlord.pk, permit_number="ＪＺ 1101052026001", origin="贵州省麻江县"),
    )
    assert profile.permit_number_masked == "***********6001"
    assert "2026001" not in profile.permit_number_enc
    assert fieldcrypt.decrypt(profile.permit_number_enc, "permit_number") == "JZ1101052026001"
    # Updating without a number keeps the recorded one.
    services.set_floating(
        world.grid_worker_li, tenant.pk, FloatingInput(landlord_id=landlord.pk, employer="某厂")
    )
    profile.refresh_from_db()
    assert profile.permit_number_masked == "***********6001" and profile.employer == "某厂"
    elsewhere = world.residents["A2-1-h1-r1"]
    with pytest.raises(ValidationFailed) as exc:
        services.set_floating(
            world.grid_worker_li,
            tenant.pk,
            FloatingInput(landlord_id=elsewhere.pk, lease_start=TODAY, lease_end=TODAY - timedelta(days=1)),
        )
    assert exc.value.fields == {
        "landlord_id": "房东须是您管辖范围内已登记的居民",
        "lease_end": "租期结束不能早于租期开始",
    }
    with pytest.raises(NotFound):
        services.set_floating(world.outsider_zhao, tenant.pk, FloatingInput())


def test_registered_residents_get_no_floating_record(world):
    resident = world.residents["A1-2-h1-r1"]
    Resident.objects.filter(pk=resident.pk).update(residence_type="registered")
    with pytest.raises(ValidationFailed) as exc:
        services.set_floating(world.secretary_zhang, resident.pk, FloatingInput())
    assert "只有流动人口" in exc.value.fields["resident"]


def test_permits_and_leases_expiring_within_30_days_on_a_frozen_day(world):
    a, b, c, d = floating_residents(world)
    li = world.grid_worker_li
    services.set_floating(li, a.pk, FloatingInput(permit_expires=TODAY, lease_end=TODAY + timedelta(days=31)))
    services.set_floating(li, b.pk, FloatingInput(permit_expires=TODAY + timedelta(days=30), lease_end=TODAY))
    services.set_floating(li, c.pk, FloatingInput(permit_expires=TODAY - timedelta(days=1)))
    services.set_floating(
        li, d.pk, FloatingInput(permit_expires=TODAY + timedelta(days=3), left_on=TODAY - timedelta(days=2))
    )
    permits = [p.resident_id for p in selectors.expiring(li, "permit", today=TODAY)]
    assert permits == [a.pk, b.pk]  # c expired yesterday, d has left
    leases = [p.resident_id for p in selectors.expiring(li, "lease", today=TODAY)]
    assert leases == [b.pk]
    assert list(selectors.expiring(world.outsider_zhao, "permit", today=TODAY)) == []
    # A day later a's permit has expired and is no longer "expiring".
    later = [p.resident_id for p in selectors.expiring(li, "permit", today=TODAY + timedelta(days=1))]
    assert later == [b.pk]


def test_landlords_roster_lists_each_landlord_with_tenants(world):
    a, b, c, d = floating_residents(world)
    li = world.grid_worker_li
    services.set_floating(li, a.pk, FloatingInput(landlord_id=d.pk))
    services.set_floating(li, b.pk, FloatingInput(landlord_id=d.pk))
    services.set_floating(li, c.pk, FloatingInput(landlord_id=a.pk))
    roster = {
        landlord.pk: sorted(t.resident_id for t in tenants) for landlord, tenants in selectors.landlords(li)
    }
    assert roster == {d.pk: sorted([a.pk, b.pk]), a.pk: [c.pk]}


def test_care_lists_compute_ages_from_birth_dates(world):
    zhang = world.secretary_zhang
    a1 = {k: r for k, r in world.residents.items() if k.startswith("A1-")}
    expected_60 = {r.pk for r in a1.values() if r.birth_date <= date(TODAY.year - 60, TODAY.month, TODAY.day)}
    found = {r.pk for r in selectors.care_list(zhang, "elderly_60", today=TODAY)}
    assert found == expected_60 and found  # the world's first residents were born in the 1950s
    born_80 = {r.pk for r in selectors.care_list(zhang, "elderly_80", today=TODAY)}
    assert born_80 == {r.pk for r in a1.values() if r.birth_date <= date(1946, 11, 22)}
    # The day before a 60th birthday the resident is not yet in the list.
    youngest = max((r for r in a1.values() if r.pk in expected_60), key=lambda r: r.birth_date)
    eve = youngest.birth_date.replace(year=youngest.birth_date.year + 60) - timedelta(days=1)
    assert youngest.pk not in {r.pk for r in selectors.care_list(zhang, "elderly_60", today=eve)}


def test_care_tags_lists_and_care_records(world):
    zhang = world.secretary_zhang
    r = world.residents["A1-1-h1-r2"]
    Resident.objects.filter(pk=r.pk).update(care_tags=",left_behind_woman,low_income,")
    assert [x.pk for x in selectors.care_list(zhang, "low_income")] == [r.pk]
    assert [x.pk for x in selectors.care_list(zhang, "sante_sanliu")] == [r.pk]
    assert list(selectors.care_list(zhang, "no_such_group")) == []
    services.record_care(zhang, r.pk, "home_visit", "送米面油", timezone.localdate())
    row = selectors.care_list(zhang, "low_income").get()
    assert (row.care_count, row.last_care) == (1, timezone.localdate())  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed) as exc:
        services.record_care(zhang, r.pk, "x", "", None)
    assert set(exc.value.fields) == {"kind", "content", "cared_on"}
    with pytest.raises(NotFound):
        services.record_care(world.outsider_zhao, r.pk, "phone", "电话问候", timezone.localdate())
    with pytest.raises(NotFound):  # building heads see residents but keep no care records
        services.record_care(world.users["building_head@A1-1-b"], r.pk, "phone", "问候", timezone.localdate())


def test_full_permit_number_needs_id_unmask_rights_a_reason_and_is_audited(world):
    from django.test import Client

    from shequ.access.models import AuditEvent

    tenant, landlord, *_ = floating_residents(world)
    services.set_floating(world.grid_worker_li, tenant.pk, FloatingInput(permit_number="JZ11223344"))
    # A grid worker may read full phones, not ID-like numbers.
    with pytest.raises(ValidationFailed) as exc:
        services.unmask(world.grid_worker_li, tenant.pk, "permit_number", "核对居住证")
    assert exc.value.fields == {"field": "您的角色无权查看该居民完整的居住证号"}
    zhang = Client()
    zhang.force_login(world.secretary_zhang)
    page = zhang.get(f"/residents/{tenant.pk}/").content.decode()
    assert "******3344" in page and 'value="permit_number"' in page and "JZ11223344" not in page
    r = zhang.post(
        f"/api/v1/residents/{tenant.pk}/unmask",
        {"field": "permit_number", "reason": "核对居住证"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["value"] == "JZ11223344"
    event = AuditEvent.objects.filter(event="resident.unmask").latest("id")
    assert event.detail == {"field": "permit_number", "reason": "核对居住证"}
    with pytest.raises(ValidationFailed) as exc:  # nothing recorded for the landlord
        services.unmask(world.secretary_zhang, landlord.pk, "permit_number", "核对居住证")
    assert exc.value.fields == {"field": "该居民没有登记居住证号"}


def test_floating_details_show_only_to_those_who_manage_the_floating_population(world):
    from django.test import Client

    tenant, landlord = world.residents["A1-1-h1-r2"], world.residents["A1-1-h2-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    services.set_floating(
        world.grid_worker_li,
        tenant.pk,
        FloatingInput(landlord_id=landlord.pk, employer="某某电子厂", permit_number="JZ11223344"),
    )
    for user_key, shown in (
        ("grid_worker@A1-1", True),
        ("community_secretary@A1", True),
        ("building_head@A1-1-b", False),
        ("resident@A1-1-h1", False),
    ):
        client = Client()
        client.force_login(world.users[user_key])
        r = client.get(f"/residents/{tenant.pk}/")
        assert r.status_code == 200, user_key
        page = r.content.decode()
        for secret in ("流动人口信息", "某某电子厂", landlord.name, "居住证号"):
            assert (secret in page) == shown, (user_key, secret)


def test_permit_numbers_are_masked_to_at_most_the_last_4_and_at_least_half_hidden():
    from shequ.access.masking import mask_permit_number

    assert mask_permit_number("JZ1101052026001") == "***********6001"
    assert mask_permit_number("JZ55556666") == "******6666"
    assert mask_permit_number("1234567") == "****567"
    assert mask_permit_number("AB12") == "**12"
    assert mask_permit_number("") == ""
    for value in ("JZ1101052026001", "520102199001011234", "A1", "X", "JZ123456"):
        masked = mask_permit_number(value)
        shown = len(masked) - masked.count("*")
        assert len(masked) == len(value) and shown <= 4 and shown <= len(value) // 2
        assert masked.endswith(value[len(value) - shown :])


def test_a_landlord_outside_the_viewers_scope_is_shown_as_outside(world):
    import io

    import openpyxl
    from django.test import Client

    tenant, landlord = world.residents["A1-1-h1-r2"], world.residents["A1-2-h1-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    services.set_floating(world.secretary_zhang, tenant.pk, FloatingInput(landlord_id=landlord.pk))

    li = Client()
    li.force_login(world.grid_worker_li)  # grid A1-1: the tenant, not the landlord
    roster = selectors.landlords(world.grid_worker_li)
    assert [(who.name, who.pk, [t.resident_id for t in ts]) for who, ts in roster] == [
        ("辖区外", None, [tenant.pk])
    ]
    for url in ("/floating/landlords/", "/floating/", f"/residents/{tenant.pk}/"):
        page = li.get(url).content.decode()
        assert "辖区外" in page and landlord.name not in page, url
    assert li.get("/api/v1/floating/").json()["items"][0]["landlord"] == {"id": None, "name": "辖区外"}
    listed = li.get("/api/v1/floating/landlords").json()["items"]
    assert listed[0]["landlord"] == {"id": None, "name": "辖区外"} and listed[0]["phone"] == ""
    book = openpyxl.load_workbook(io.BytesIO(b"".join(li.get("/floating/export/").streaming_content)))  # type: ignore[attr-defined]
    assert [row[5] for row in list(book.active.values)[1:]] == ["辖区外"]

    zhang = Client()
    zhang.force_login(world.secretary_zhang)  # community A1: both
    page = zhang.get(f"/residents/{tenant.pk}/").content.decode()
    assert landlord.name in page and "辖区外" not in page
    assert zhang.get("/api/v1/floating/").json()["items"][0]["landlord"]["id"] == landlord.pk


def test_floating_form_refuses_a_date_it_cannot_read_instead_of_erasing_the_stored_one(world):
    from django.test import Client

    tenant = world.residents["A1-1-h1-r2"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    lease_end = TODAY + timedelta(days=200)
    services.set_floating(
        world.grid_worker_li, tenant.pk, FloatingInput(lease_end=lease_end, employer="某厂")
    )
    client = Client()
    client.force_login(world.grid_worker_li)
    url = f"/residents/{tenant.pk}/floating/"
    form = {"lease_end": "2027/13/01", "employer": "某厂", "permit_number": "JZ99887766"}
    r = client.post(url, form)
    page = r.content.decode()
    assert r.status_code == 400 and "日期格式应为 2026-11-22" in page and "租期结束" in page
    assert 'value="JZ99887766"' in page  # what was typed comes back
    profile = Resident.objects.get(pk=tenant.pk).floating
    assert profile.lease_end == lease_end and profile.permit_number_masked == ""

    # A rule broken further on (a landlord ID number that is not one) keeps the typed number too.
    r = client.post(url, {**form, "lease_end": lease_end.isoformat(), "landlord_id_number": "abc"})
    assert r.status_code == 400 and 'value="JZ99887766"' in r.content.decode()


def test_dates_out_of_any_real_range_are_named(world):
    """A care record dated 0001-01-01, or a lease to 9999-12-31, was stored as typed."""
    zhang = world.secretary_zhang
    r = world.residents["A1-1-h1-r2"]
    with pytest.raises(ValidationFailed) as exc:
        services.record_care(zhang, r.pk, "phone", "电话问候", date(1, 1, 1))
    assert "日期不能早于" in exc.value.fields["cared_on"]
    (tenant, *_) = floating_residents(world)
    typo = FloatingInput(
        lease_start=date(1, 1, 1),
        lease_end=date(9999, 12, 31),
        permit_expires=date(1, 1, 1),
        arrived_on=timezone.localdate() + timedelta(days=3),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.set_floating(zhang, tenant.pk, typo)
    assert exc.value.fields == {
        "lease_start": "租期开始须在 1950 年到 2100 年之间",
        "lease_end": "租期结束须在 1950 年到 2100 年之间",
        "permit_expires": "居住证有效期须在 1950 年到 2100 年之间",
        "arrived_on": "来本地日期不能晚于今天",
    }


def test_a_resident_registered_here_since_leaves_the_floating_lists(world):
    """One re-imported as 户籍人口 stayed on /floating/, its export and the expiry lists,
    and could not be taken off them (the floating form refuses a registered resident)."""
    tenant, landlord, *_ = floating_residents(world)
    soon = timezone.localdate() + timedelta(days=10)
    services.set_floating(
        world.grid_worker_li,
        tenant.pk,
        FloatingInput(landlord_id=landlord.pk, permit_number="JZ1101052026001", permit_expires=soon),
    )
    listed = {p.resident_id for p in selectors.floating_list(world.grid_worker_li)}
    assert tenant.pk in listed
    assert tenant.pk in {p.resident_id for p in selectors.expiring(world.grid_worker_li, "permit")}
    Resident.objects.filter(pk=tenant.pk).update(residence_type="registered")
    assert tenant.pk not in {p.resident_id for p in selectors.floating_list(world.grid_worker_li)}
    assert tenant.pk not in {p.resident_id for p in selectors.expiring(world.grid_worker_li, "permit")}
    assert services.encrypted_value(Resident.objects.get(pk=tenant.pk), "permit_number") == ""


def test_the_floating_form_names_the_landlord_by_id_number(world):
    """The form asked for the landlord's 居民编号, which no page shows; a mistyped number
    recorded whichever resident in scope had it."""
    from shequ.testing.clients import client_for

    tenant, landlord, *_ = floating_residents(world)
    c = client_for(world.grid_worker_li)
    url = f"/residents/{tenant.pk}/floating/"
    page = c.get(url).content.decode()
    assert 'name="landlord_id_number"' in page and "居民编号" not in page
    r = c.post(url, {"landlord_id_number": "11010519491231003X", "origin": "贵州省麻江县"})
    body = r.content.decode()
    assert r.status_code == 400 and "房东：" in body and 'value="贵州省麻江县"' in body
    full = world.full_values[landlord.pk][0]
    assert c.post(url, {"landlord_id_number": full, "origin": "贵州省麻江县"}).status_code == 302
    profile = Resident.objects.get(pk=tenant.pk).floating
    assert profile.landlord_id == landlord.pk
    # Left blank, the landlord stays; ticked off, it goes.
    assert c.post(url, {"origin": "贵州省凯里市"}).status_code == 302
    profile.refresh_from_db()
    assert (profile.landlord_id, profile.origin) == (landlord.pk, "贵州省凯里市")
    assert landlord.name in c.get(url).content.decode()
    assert c.post(url, {"no_landlord": "1"}).status_code == 302
    profile.refresh_from_db()
    assert profile.landlord_id is None


def test_an_unknown_floating_list_is_named(world):
    from shequ.testing.clients import client_for

    r = client_for(world.grid_worker_li).get("/floating/", {"list": "foo"})
    assert r.status_code == 400 and "名单“foo”不在可选范围内" in r.content.decode()


def test_a_too_long_employer_or_origin_is_named(world):
    """The page and the API said 不能超过100个字 twice, naming neither 工作单位 nor 户籍地."""
    (tenant, *_) = floating_residents(world)
    data = FloatingInput(employer="某" * 101, origin="贵州省" * 34)
    with pytest.raises(ValidationFailed) as exc:
        services.set_floating(world.grid_worker_li, tenant.pk, data)
    assert exc.value.fields == {
        "employer": "工作单位不能超过 100 个字（现在 101 个字）",
        "origin": "户籍地不能超过 100 个字（现在 102 个字）",
    }
    # Spaces around what was typed are not counted: it is stored trimmed.
    services.set_floating(world.grid_worker_li, tenant.pk, FloatingInput(employer=" " + "某" * 100 + " "))
    assert Resident.objects.get(pk=tenant.pk).floating.employer == "某" * 100
