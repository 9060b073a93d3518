import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client

from shequ.access.models import AuditEvent

pytestmark = pytest.mark.django_db


def export(world, user_key, url="/residents/export/", **params):
    """A GET (masked), or with full="1" the page form's POST (full values)."""
    client = Client()
    client.force_login(world.users[user_key])
    if params.pop("full", None) == "1":
        return client.post(url, params)
    return client.get(url, params)


def sheet_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.values)


def in_grid(world, grid):
    return {k: r for k, r in world.residents.items() if k.startswith(grid + "-")}


def test_export_is_masked_by_default_honours_the_filters_and_is_audited(world):
    r = export(world, "grid_worker@A1-1", area=world.areas["A1-1"].code)
    rows = sheet_rows(r)
    assert rows[0][:5] == ("姓名", "身份证号", "性别", "出生日期", "联系电话")
    expected = in_grid(world, "A1-1")
    assert sorted(row[0] for row in rows[1:]) == sorted(res.name for res in expected.values())
    for row in rows[1:]:
        resident = next(res for res in expected.values() if res.name == row[0])
        assert row[1] == resident.id_number_masked and row[4] == resident.phone_masked
        # Month and day are digits of the ID number: beside a masked number, the year only.
        assert row[3] == f"{resident.birth_date.year}年"
    event = AuditEvent.objects.filter(event="resident.export").latest("id")
    assert event.actor_id == world.grid_worker_li.pk
    assert event.detail["rows"] == len(expected) and event.detail["full_id_number"] == 0

    one = next(iter(expected.values()))
    rows = sheet_rows(export(world, "grid_worker@A1-1", q=one.name))
    assert [row[0] for row in rows[1:]] == [one.name]


def test_full_values_only_where_the_role_may_unmask_and_audited_with_the_count(world):
    # A grid worker may read full phones, not ID numbers.
    rows = sheet_rows(export(world, "grid_worker@A1-1", full="1", reason="核对电话"))
    by_name = {r.name: world.full_values[r.pk] for r in in_grid(world, "A1-1").values()}
    for row in rows[1:]:
        number, phone = by_name[row[0]]
        assert row[4] == phone and row[1] != number and "*" in row[1]
    event = AuditEvent.objects.filter(event="resident.export").latest("id")
    assert event.detail["full_phone"] == len(by_name) and event.detail["full_id_number"] == 0
    assert event.detail["reason"] == "核对电话"

    rows = sheet_rows(export(world, "community_secretary@A1", full="1", reason="年度核查"))
    a1 = {r.name: world.full_values[r.pk] for k, r in world.residents.items() if k.startswith("A1-")}
    assert sorted(row[0] for row in rows[1:]) == sorted(a1)
    born = {r.name: r.birth_date for k, r in world.residents.items() if k.startswith("A1-")}
    for row in rows[1:]:
        assert (row[1], row[4]) == a1[row[0]] and row[3].date() == born[row[0]]
    event = AuditEvent.objects.filter(event="resident.export").latest("id")
    assert event.detail["rows"] == event.detail["full_id_number"] == len(a1)


def test_full_export_needs_a_reason_and_unmask_rights(world, monkeypatch):
    from shequ.access.roles import GRANTS, Permission, Role

    r = export(world, "community_secretary@A1", full="1", reason="")
    assert r.status_code == 400 and "导出完整信息须填写事由" in r.content.decode()

    # A role with the export but neither unmask permission is refused, reason or not.
    grants = GRANTS[Role.GRID_WORKER] - {Permission.UNMASK_PHONE, Permission.UNMASK_ID_NUMBER}
    monkeypatch.setitem(GRANTS, Role.GRID_WORKER, grants)
    events = AuditEvent.objects.filter(event="resident.export").count()
    r = export(world, "grid_worker@A1-1", full="1", reason="核对电话")
    assert r.status_code == 400 and "您的角色无权导出完整的身份证号或电话" in r.content.decode()
    assert AuditEvent.objects.filter(event="resident.export").count() == events
    assert export(world, "grid_worker@A1-1").status_code == 200  # the masked list still is


def test_full_export_is_a_post_with_the_csrf_token_never_a_get(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.secretary_zhang)
    r = client.get("/residents/export/", {"full": "1", "reason": "年度核查"})
    assert r.status_code == 405
    assert not AuditEvent.objects.filter(event="resident.export", detail__reason="年度核查").exists()
    assert client.post("/residents/export/", {"reason": "年度核查"}).status_code == 403  # no token
    page = client.get("/residents/").content.decode()
    assert 'method="post" action="/residents/export/"' in page and "csrfmiddlewaretoken" in page
    token = client.cookies["csrftoken"].value
    r = client.post("/residents/export/", {"reason": "年度核查", "csrfmiddlewaretoken": token})
    assert r.status_code == 200
    assert AuditEvent.objects.filter(event="resident.export").latest("id").detail["reason"] == "年度核查"
    r = client.post("/api/v1/residents/export", {"reason": "年度核查"}, content_type="application/json")
    assert r.status_code == 403  # the API's session auth checks CSRF as well


def test_export_out_of_scope_or_without_the_permission_is_404(world):
    assert export(world, "community_secretary@B1", area=world.areas["A1"].code).status_code == 404
    assert export(world, "building_head@A1-1-b").status_code == 404
    assert export(world, "resident@A1-1-h1").status_code == 404
    assert export(world, "auditor@A").status_code == 404


def test_api_import_and_export(world, tmp_path, django_capture_on_commit_callbacks):
    from shequ.registry.tests.helpers import HEADERS, rows_for, save

    client = Client()
    client.force_login(world.secretary_zhang)
    path = save(tmp_path / "api.xlsx", {"S": [HEADERS, *rows_for(world, 2, start=60_000)]})
    with open(path, "rb") as fh:
        r = client.post("/api/v1/registry/imports", {"community": world.areas["A1"].code, "file": fh})
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["mapping"]["身份证号"] == "id_number" and run["status"] == "mapping"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/api/v1/registry/imports/{run['id']}/mapping",
            {"mapping": run["mapping"]},
            content_type="application/json",
        )
    assert r.json()["status"] == "checking"
    r = client.get(f"/api/v1/registry/imports/{run['id']}")
    assert r.json()["status"] == "checked" and r.json()["summary"]["new"] == 2
    bad = {**run["mapping"], "身份证号": ""}
    r = client.post(
        f"/api/v1/registry/imports/{run['id']}/mapping", {"mapping": bad}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["fields"]["id_number"] == "没有列对应“身份证号”（必填）"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/registry/imports/{run['id']}/confirm")
    assert client.get(f"/api/v1/registry/imports/{run['id']}").json()["status"] == "done"
    listed = client.get("/api/v1/registry/imports").json()
    assert run["id"] in [i["id"] for i in listed["items"]]

    r = client.get("/api/v1/residents/export", {"area": world.areas["A1-1"].code})
    rows = sheet_rows(r)
    assert len(rows) == 1 + 4 + 2  # the grid's four residents and the two imported
    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    assert outsider.get(f"/api/v1/registry/imports/{run['id']}").status_code == 404
    assert outsider.get("/api/v1/residents/export", {"area": world.areas["A1"].code}).status_code == 404


def test_floating_and_care_lists_export_masked_with_their_filters_and_are_audited(world):
    from django.utils import timezone

    from shequ.people.models import Resident
    from shequ.people.services import FloatingInput, record_care, set_floating

    li = world.grid_worker_li
    tenant, landlord = world.residents["A1-1-h2-r2"], world.residents["A1-1-h2-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    soon = timezone.localdate() + timedelta(days=3)
    set_floating(
        li, tenant.pk, FloatingInput(landlord_id=landlord.pk, permit_number="JZ55556666", permit_expires=soon)
    )
    rows = sheet_rows(export(world, "grid_worker@A1-1", "/floating/export/", list="permit"))
    assert rows[0][:3] == ("姓名", "身份证号", "联系电话")
    assert [r[0] for r in rows[1:]] == [tenant.name]
    assert (
        rows[1][1] == tenant.id_number_masked and rows[1][9] == "******6666" and rows[1][5] == landlord.name
    )
    event = AuditEvent.objects.filter(event="floating.export").latest("id")
    assert event.detail == {"rows": 1, "list": "permit", "area": ""}

    record_care(li, landlord.pk, "phone", "电话问候", timezone.localdate())
    client = Client()
    client.force_login(li)
    rows = sheet_rows(client.get("/care/export/", {"group": "elderly_60"}))
    expected = {r.name for k, r in world.residents.items() if k.startswith("A1-1-") and r.age >= 60}
    assert {r[0] for r in rows[1:]} == expected
    assert AuditEvent.objects.filter(event="care.export").latest("id").detail["rows"] == len(expected)
    assert client.get("/care/export/", {"group": "nope"}).status_code == 400
    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    assert outsider.get("/care/export/", {"area": world.areas["A1"].code}).status_code == 404


def test_floating_and_care_lists_export_in_full_where_the_role_may_unmask_and_audit_it(world):
    from django.utils import timezone

    from shequ.people.models import Resident
    from shequ.people.services import FloatingInput, set_floating

    tenant, landlord = world.residents["A1-1-h2-r2"], world.residents["A1-1-h2-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    set_floating(
        world.grid_worker_li,
        tenant.pk,
        FloatingInput(
            landlord_id=landlord.pk, permit_number="JZ55556666", permit_expires=timezone.localdate()
        ),
    )
    number, phone = world.full_values[tenant.pk]
    # The secretary may read ID numbers (and with them permits) and phones in full.
    rows = sheet_rows(
        export(world, "community_secretary@A1", "/floating/export/", full="1", reason="居住证核查")
    )
    # Every floating resident of the community is listed, the tenant with their permit
    # (the others, registered as 流动人口 with nothing recorded yet, have none).
    community = world.areas["A1"].path
    floating = Resident.objects.filter(area_path__startswith=community, residence_type="floating")
    assert sorted(r[0] for r in rows[1:]) == sorted(floating.values_list("name", flat=True))
    row = next(r for r in rows[1:] if r[0] == tenant.name)
    assert (row[1], row[2], row[9]) == (number, phone, "JZ55556666")
    event = AuditEvent.objects.filter(event="floating.export").latest("id")
    assert event.detail["reason"] == "居住证核查" and event.detail["rows"] == floating.count()
    assert (event.detail["full_id_number"], event.detail["full_permit_number"]) == (floating.count(), 1)
    # A grid worker may read phones only: the ID number and the permit stay masked.
    rows = sheet_rows(export(world, "grid_worker@A1-1", "/floating/export/", full="1", reason="联系租户"))
    row = next(r for r in rows[1:] if r[0] == tenant.name)
    assert (row[1], row[2], row[9]) == (tenant.id_number_masked, phone, "******6666")
    # Without a reason nothing is written, and the field is named.
    r = export(world, "community_secretary@A1", "/floating/export/", full="1", reason="")
    assert r.status_code == 400 and "事由" in r.content.decode()

    rows = sheet_rows(export(world, "community_secretary@A1", "/care/export/", full="1", reason="走访准备"))
    elderly = {
        r.name: world.full_values[r.pk]
        for k, r in world.residents.items()
        if k.startswith("A1-") and r.age >= 60
    }
    assert {row[0] for row in rows[1:]} == set(elderly)
    for row in rows[1:]:
        assert (row[3], row[4]) == elderly[row[0]]
    event = AuditEvent.objects.filter(event="care.export").latest("id")
    assert event.detail["full_id_number"] == len(elderly) and event.detail["reason"] == "走访准备"
    # The masked GET is unchanged.
    rows = sheet_rows(export(world, "community_secretary@A1", "/care/export/"))
    assert all("*" in row[3] for row in rows[1:])


def test_visit_register_not_visited_households_and_landlords_roster_export_and_are_audited(world):
    from django.utils import timezone

    from shequ.people.models import Resident
    from shequ.people.services import FloatingInput, VisitInput, record_visit, set_floating

    li = world.grid_worker_li
    visited = world.households["A1-1-h1"]
    record_visit(
        li,
        visited.pk,
        VisitInput(
            visited_on=timezone.localdate(),
            people_met="户主夫妇",
            situation="老两口身体尚可",
            needs=(("楼道灯坏了", ""),),
        ),
    )
    rows = sheet_rows(export(world, "grid_worker@A1-1", "/visits/export/"))
    assert rows[0][:4] == ("走访日期", "楼栋", "门牌", "走访人")
    assert [(r[2], r[4], r[9]) for r in rows[1:]] == [(visited.address, "户主夫妇", "楼道灯坏了")]
    assert AuditEvent.objects.filter(event="visit.export").latest("id").detail == {"rows": 1, "area": ""}

    rows = sheet_rows(export(world, "grid_worker@A1-1", "/visits/unvisited/export/", days=30))
    in_grid_households = {h.address for k, h in world.households.items() if k.startswith("A1-1-")}
    assert sorted(r[1] for r in rows[1:]) == sorted(in_grid_households - {visited.address})
    assert all(r[2] == "从未走访" for r in rows[1:])
    event = AuditEvent.objects.filter(event="visit.unvisited_export").latest("id")
    assert event.detail["rows"] == len(rows) - 1 and event.detail["days"] == 30

    tenant, landlord = world.residents["A1-1-h2-r2"], world.residents["A1-1-h2-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    set_floating(li, tenant.pk, FloatingInput(landlord_id=landlord.pk, permit_number="JZ55556666"))
    rows = sheet_rows(export(world, "grid_worker@A1-1", "/floating/landlords/export/"))
    assert rows[1][:4] == (landlord.name, landlord.phone_masked, tenant.name, tenant.id_number_masked)
    assert AuditEvent.objects.filter(event="floating.landlords_export").latest("id").detail["rows"] == 1

    outsider = Client()
    outsider.force_login(world.outsider_zhao)
    for url in ("/visits/export/", "/visits/unvisited/export/", "/floating/landlords/export/"):
        assert outsider.get(url, {"area": world.areas["A1"].code}).status_code == 404, url


def test_a_list_longer_than_a_sheet_is_refused_in_chinese(monkeypatch, tmp_path):
    from shequ.core.errors import ValidationFailed
    from shequ.registry import exporting

    monkeypatch.setattr(exporting, "SHEET_ROWS", 2)
    with pytest.raises(ValidationFailed) as caught:
        exporting.write_table(str(tmp_path / "x.xlsx"), "名单", ["姓名"], [("甲",), ("乙",), ("丙",)])
    assert "超过 Excel 一张工作表的 2 行上限" in caught.value.fields["area"]
    assert exporting.write_table(str(tmp_path / "y.xlsx"), "名单", ["姓名"], [("甲",), ("乙",)]) == 2


def test_full_exports_and_unmask_share_the_hourly_allowance(world):
    """A user refused 查看完整 (the hour's allowance spent) exported every full phone in
    their scope instead; and a full export cost nothing of the allowance."""
    from django.test import override_settings

    from shequ.testing.clients import client_for

    first, second = (world.residents[k] for k in ("A1-1-h1-r1", "A1-1-h2-r1"))
    c = client_for(world.users["community_staff@A1"])
    with override_settings(UNMASK_PER_HOUR=2):
        assert (
            c.post(f"/residents/{first.pk}/unmask/", {"field": "phone", "reason": "联系"}).status_code == 200
        )
        r = c.post("/residents/export/", {"area": world.areas["A1"].code, "reason": "核对"})
        assert r.status_code == 200  # the second read of the hour
        assert (
            c.post(f"/residents/{second.pk}/unmask/", {"field": "phone", "reason": "联系"}).status_code == 429
        )
        r = c.post("/residents/export/", {"area": world.areas["A1"].code, "reason": "核对"})
        assert r.status_code == 429 and "每小时最多查看2次完整信息" in r.content.decode()


def test_a_masked_export_imported_again_is_refused_saying_it_is_masked(world, tmp_path):
    """Staff export the (masked) list, correct it and upload it again: every row was
    refused three times over, with 身份证号前17位必须是数字, “139****0001”不是有效的…手机号
    and 日期“1951年”无法识别, none of which said that the export had hidden the digits."""
    from shequ.registry import services

    response = export(world, "community_secretary@A1", area=world.areas["A1-1"].code)
    path = tmp_path / "居民名单.xlsx"
    path.write_bytes(b"".join(response.streaming_content))

    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=True)

    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert result.summary()["refused"] == 4
    for row in range(2, 6):
        assert reasons[(row, "身份证号")].startswith("身份证号是脱敏后的号码（中间几位是*）")
        assert reasons[(row, "联系电话")].startswith("联系电话是脱敏后的号码（中间几位是*）")
        assert reasons[(row, "出生日期")].startswith("出生日期只写了年份")


def test_a_floating_list_it_does_not_know_is_named_not_exported_whole(world):
    """/floating/export/?list=permitt (a typo, an old bookmark) wrote the whole floating
    population under a file named as the list asked for, while the page answers 400."""
    before = AuditEvent.objects.filter(event="floating.export").count()
    r = export(world, "grid_worker@A1-1", "/floating/export/", list="permitt")
    assert r.status_code == 400 and "名单“permitt”不在可选范围内" in r.content.decode()
    assert AuditEvent.objects.filter(event="floating.export").count() == before
    assert export(world, "grid_worker@A1-1", "/floating/export/", list="").status_code == 200
