from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.people.models import CareRecord, FloatingProfile, Resident, Visit

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_grid_worker_records_a_visit_on_the_phone_form_and_passes_a_need_on(world):
    li = login(world.grid_worker_li)
    household = world.households["A1-1-h2"]
    today = timezone.localdate()
    form = {
        "visited_on": today.isoformat(),
        "people_met": "",
        "situation": "老两口，儿子在外地",
        "income_level": "low",
        "health": "chronic",
        "need": ["楼下路灯不亮", ""],
        "need_category": ["safety_hazard", ""],
    }
    r = li.post(f"/households/{household.pk}/visits/new/", form)
    page = r.content.decode()
    assert r.status_code == 400 and "请填写见到了谁" in page
    assert "老两口，儿子在外地" in page and "楼下路灯不亮" in page  # nothing typed is lost
    form["people_met"] = "户主及配偶"
    r = li.post(f"/households/{household.pk}/visits/new/", form)
    visit = Visit.objects.latest("id")
    assert r.status_code == 302 and r["Location"] == f"/visits/{visit.pk}/"
    page = li.get(r["Location"]).content.decode()
    assert "楼下路灯不亮" in page and "转为问题" in page
    need = visit.needs.get()
    r = li.post(f"/visits/needs/{need.pk}/problem/", {"category": "safety_hazard"})
    assert r.status_code == 302
    page = li.get(f"/visits/{visit.pk}/").content.decode()
    need.refresh_from_db()
    # Named by its 编号, as every other page names a problem (not the record's id).
    assert need.problem is not None
    assert f"已转问题清单（编号 {need.problem.number}）" in page
    assert "老两口" in li.get(f"/households/{household.pk}/").content.decode()


def test_coverage_page_shows_rates_and_a_plan_can_be_set(world):
    zhang = login(world.secretary_zhang)
    r = zhang.get("/visits/coverage/", {"area": world.areas["A1"].code})
    assert r.status_code == 200 and "网格A1-1" in r.content.decode()
    month = timezone.localdate().strftime("%Y-%m")
    r = zhang.post(
        f"/visits/coverage/?area={world.areas['A1'].code}",
        {
            "grid": world.areas["A1-1"].code,
            "month": month,
            "worker": world.grid_worker_li.pk,
            "target_households": 5,
        },
    )
    assert r.status_code == 400 and "计划走访户数不能超过网格内的户数（2户）" in r.content.decode()


def test_unvisited_households_are_highlighted(world):
    li = login(world.grid_worker_li)
    page = li.get("/visits/unvisited/", {"days": 30}).content.decode()
    assert page.count('class="overdue"') == 2 and "从未走访" in page


def test_a_bad_number_of_days_is_named_not_replaced(world):
    li = login(world.grid_worker_li)
    for typed, message in (
        ("abc", "天数必须是整数"),
        ("0", "天数不能小于 1"),
        ("99999", "天数必须在 1 到 3650 之间"),
    ):
        r = li.get("/visits/unvisited/", {"days": typed})
        assert r.status_code == 400 and message in r.content.decode(), typed
        assert li.get("/visits/unvisited/export/", {"days": typed}).status_code == 400, typed
    assert li.get("/visits/unvisited/", {"days": "30"}).status_code == 200


def test_the_api_names_a_bad_number_of_days_as_the_page_does(world):
    # A phone app asking for ?days=-5 was quietly given the 1-day list, and ?days=1000000
    # a message naming no field; the page refuses both, naming 天数.
    li = login(world.grid_worker_li)
    for typed, message in (
        ("0", "天数不能小于 1"),
        ("-5", "天数不能小于 1"),
        ("1000000", "天数必须在 1 到 3650 之间"),
    ):
        r = li.get("/api/v1/households/unvisited", {"days": typed})
        assert r.status_code == 400, typed
        assert r.json()["fields"]["days"] == message, typed
    r = li.get("/api/v1/households/unvisited", {"days": "30"})
    assert r.status_code == 200 and r.json()["count"] >= 2


def test_floating_form_keeps_input_and_never_shows_the_stored_permit(world):
    tenant = world.residents["A1-1-h2-r2"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    li = login(world.grid_worker_li)
    form = {
        "permit_number": "JZ99887766",
        "lease_start": "2026-11-01",
        "lease_end": "2026-10-01",
        "employer": "某厂",
    }
    r = li.post(f"/residents/{tenant.pk}/floating/", form)
    page = r.content.decode()
    assert r.status_code == 400 and "租期结束不能早于租期开始" in page and "某厂" in page
    assert 'value="JZ99887766"' in page  # typed by this user: kept, not lost
    form["lease_end"] = "2027-10-01"
    assert li.post(f"/residents/{tenant.pk}/floating/", form).status_code == 302
    page = li.get(f"/residents/{tenant.pk}/floating/").content.decode()
    assert "JZ99887766" not in page and "******7766" in page  # the stored one: masked only
    assert FloatingProfile.objects.get(resident=tenant).permit_number_masked == "******7766"
    soon = (timezone.localdate() + timedelta(days=10)).isoformat()
    li.post(f"/residents/{tenant.pk}/floating/", {"permit_expires": soon})
    page = li.get("/floating/", {"list": "permit"}).content.decode()
    assert tenant.name in page and "******7766" in page


def test_care_list_and_records_pages(world):
    zhang = login(world.secretary_zhang)
    page = zhang.get("/care/", {"group": "elderly_60"}).content.decode()
    oldest = world.residents["A1-1-h1-r1"]
    assert oldest.name in page
    r = zhang.post(f"/residents/{oldest.pk}/care/", {"kind": "phone", "content": "", "cared_on": ""})
    assert r.status_code == 400 and "请填写关爱内容" in r.content.decode()
    r = zhang.post(
        f"/residents/{oldest.pk}/care/",
        {"kind": "phone", "content": "电话问候身体", "cared_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 302
    assert "电话问候身体" in zhang.get(f"/residents/{oldest.pk}/care/").content.decode()


def test_an_unreadable_date_is_named_and_nothing_is_saved(world):
    li = login(world.grid_worker_li)
    household = world.households["A1-1-h2"]
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "follow_up_on": "2026-13-40",
        "people_met": "户主",
        "situation": "腿脚不便，想装扶手",
        "income_level": "low",
        "health": "chronic",
    }
    visits = Visit.objects.count()
    r = li.post(f"/households/{household.pk}/visits/new/", form)
    page = r.content.decode()
    assert r.status_code == 400 and "回访日期不是有效的日期" in page and "日期格式应为 2026-11-22" in page
    assert "腿脚不便，想装扶手" in page and "2026-13-40" in page  # what was typed comes back
    assert Visit.objects.count() == visits  # not saved without the follow-up date

    zhang = login(world.secretary_zhang)
    oldest = world.residents["A1-1-h1-r1"]
    records = CareRecord.objects.count()
    r = zhang.post(
        f"/residents/{oldest.pk}/care/", {"kind": "phone", "content": "电话问候", "cared_on": "昨天"}
    )
    page = r.content.decode()
    assert r.status_code == 400 and "关爱日期不是有效的日期" in page and "电话问候" in page
    assert "必填" not in page and CareRecord.objects.count() == records


def test_the_plan_form_names_each_field_and_keeps_what_was_typed(world):
    """A worker that is no number was called an error of 计划户数, a note over 200
    characters was cut without a word, and after any refusal the form came back empty."""
    from shequ.testing.clients import client_for

    c = client_for(world.secretary_zhang)
    a1, grid = world.areas["A1"].code, world.areas["A1-1"].code
    form = {"grid": grid, "month": "2026-11", "worker": "abc", "target_households": "2", "note": "长" * 201}
    r = c.post(f"/visits/coverage/?area={a1}", form)
    body = r.content.decode()
    assert r.status_code == 400
    assert "请选择负责这个网格走访的网格员" in body and "备注不能超过 200 个字" in body
    assert 'value="2"' in body and f'value="{"长" * 201}"' in body and f'value="{grid}" selected' in body
    li = world.grid_worker_li
    r = c.post(f"/visits/coverage/?area={a1}", {**form, "worker": str(li.pk), "target_households": "两户"})
    assert r.status_code == 400 and "计划走访户数必须是整数" in r.content.decode()  # not "至少为1"
    # Saved for next month: the page of that month is shown, where the plan is.
    month = (timezone.localdate().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    ok = c.post(
        f"/visits/coverage/?area={a1}", {**form, "worker": str(li.pk), "note": "先走访老人户", "month": month}
    )
    assert ok.status_code == 302 and ok["Location"].endswith(f"month={month.replace('-', '')}")


def test_numbers_typed_into_visits_and_care_records_are_masked_for_all_but_their_writer(world):
    """The visit register holds no ID numbers or phones: one typed into a visit's notes or
    a care record was shown in full to everyone who read it (pages, API, export)."""
    from shequ.people import services
    from shequ.people.services import VisitInput
    from shequ.registry.tests.test_export import export, sheet_rows
    from shequ.testing.clients import client_for

    typed = "儿子电话13812345678，身份证110105194912310021"
    household = world.households["A1-1-h1"]
    data = VisitInput(
        visited_on=timezone.localdate(), people_met="户主 13812345678", situation=typed, needs=((typed, ""),)
    )
    visit = services.record_visit(world.grid_worker_li, household.pk, data)
    resident = world.residents["A1-1-h1-r1"]
    care = services.record_care(world.grid_worker_li, resident.pk, "phone", typed, timezone.localdate())

    staff = client_for(world.users["community_staff@A1"])
    pages = [
        f"/visits/{visit.pk}/",
        "/visits/",
        f"/households/{household.pk}/",
        f"/residents/{resident.pk}/care/",
        f"/api/v1/visits/{visit.pk}",
        f"/api/v1/residents/{resident.pk}/care-records",
    ]
    for url in pages:
        body = staff.get(url).content.decode()
        assert "13812345678" not in body and "110105194912310021" not in body, url
        assert "138****5678" in body or url == "/visits/", url  # shown, masked
    rows = sheet_rows(export(world, "community_staff@A1", "/visits/export/"))
    assert not any("13812345678" in str(cell) for row in rows for cell in row)
    # The writer reads what they wrote.
    own = client_for(world.grid_worker_li).get(f"/visits/{visit.pk}/").content.decode()
    assert "13812345678" in own and care.content == typed


def test_a_visit_or_care_record_sent_twice_is_kept_once(world):
    """A second tap on 保存 (or the phone resending after a slow answer) recorded the visit
    twice, and the coverage and the household's history counted it twice."""
    li = login(world.grid_worker_li)
    household = world.households["A1-1-h2"]
    form = {
        "visited_on": timezone.localdate().isoformat(),
        "people_met": "户主",
        "situation": "独居老人，腿脚不便",
        "need": ["想装扶手", ""],
        "need_category": ["", ""],
    }
    first = li.post(f"/households/{household.pk}/visits/new/", form)
    second = li.post(f"/households/{household.pk}/visits/new/", form)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Visit.objects.filter(household=household, situation="独居老人，腿脚不便").count() == 1
    # Another visit (different needs) is another record.
    form["need"] = ["想装扶手", "门锁坏了"]
    li.post(f"/households/{household.pk}/visits/new/", form)
    assert Visit.objects.filter(household=household, situation="独居老人，腿脚不便").count() == 2
    # So is one sent again with a field corrected: it was dropped, and the page said saved.
    corrected = {**form, "health": "chronic", "follow_up_on": timezone.localdate().isoformat()}
    li.post(f"/households/{household.pk}/visits/new/", corrected)
    assert Visit.objects.filter(household=household, health="chronic").count() == 1

    zhang = login(world.secretary_zhang)
    oldest = world.residents["A1-1-h1-r1"]
    care = {"kind": "phone", "content": "电话问候，血压正常", "cared_on": timezone.localdate().isoformat()}
    for _ in range(2):
        assert zhang.post(f"/residents/{oldest.pk}/care/", care).status_code == 302
    assert CareRecord.objects.filter(resident=oldest, content="电话问候，血压正常").count() == 1
    # Through the API as well.
    r = zhang.post(f"/api/v1/residents/{oldest.pk}/care-records", care, content_type="application/json")
    assert r.status_code == 201
    assert CareRecord.objects.filter(resident=oldest, content="电话问候，血压正常").count() == 1


def test_care_groups_are_shown_to_care_staff_and_the_household_only(world):
    """A building head (a volunteer neighbour), refused the care lists, read who in the
    building is 低保户 or 残疾人 on the resident's page and in the API."""
    target = world.residents["A1-1-h2-r2"]
    Resident.objects.filter(pk=target.pk).update(care_tags=",low_income,disabled,")
    head = login(world.users["building_head@A1-1-b"])
    page = head.get(f"/residents/{target.pk}/")
    assert page.status_code == 200 and "低保" not in page.content.decode()
    rows = head.get("/api/v1/residents/").json()["items"]
    assert [r["care_groups"] for r in rows if r["id"] == target.pk] == [[]]
    # Those who run the care lists, and the resident's own household, still see them.
    assert "低保" in login(world.secretary_zhang).get(f"/residents/{target.pk}/").content.decode()
    own = login(world.users["resident@A1-1-h2"])
    assert "低保" in own.get(f"/residents/{target.pk}/").content.decode()
    # A household login not linked to a registry record is the household's all the same.
    from shequ.access.roles import Role
    from shequ.access.services import add_user

    spouse = add_user(
        "spouse-a1-1-h2",
        "x",
        role=Role.RESIDENT,
        area_code=world.households["A1-1-h2"].code,
        check_password=False,
    )
    assert "低保" in login(spouse).get(f"/residents/{target.pk}/").content.decode()
    rows = login(world.secretary_zhang).get("/api/v1/residents/", {"q": target.name}).json()["items"]
    assert [r["care_groups"] for r in rows if r["id"] == target.pk] == [["low_income", "disabled"]]
