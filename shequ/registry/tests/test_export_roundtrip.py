"""An exported list edited in Excel and uploaded again: what the import takes and what it
says it leaves out."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shequ.people.models import FloatingProfile, Resident
from shequ.people.services import FloatingInput, record_care, set_floating
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import person

pytestmark = pytest.mark.django_db


def checked(client, community, content, name, capture):
    """Upload ``content``, confirm the proposed mapping and run the check."""
    upload = SimpleUploadedFile(name, content)
    assert client.post("/registry/import/", {"community": community.code, "file": upload}).status_code == 302
    run = ImportRun.objects.latest("id")
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    with capture(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    return run


def test_an_edited_floating_export_names_the_columns_it_does_not_import(
    world, django_capture_on_commit_callbacks
):
    # Given a tenant with a lease, and the floating list exported in full by the secretary
    tenant, landlord = world.residents["A1-1-h2-r2"], world.residents["A1-1-h2-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    end = timezone.localdate() + timedelta(days=90)
    set_floating(world.grid_worker_li, tenant.pk, FloatingInput(landlord_id=landlord.pk, lease_end=end))
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.post("/floating/export/", {"reason": "核对租期", "area": world.areas["A1-1"].code})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))  # type: ignore[attr-defined]
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    # When the worker extends the lease and adds a new tenant under the same headers
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == tenant.name)
    row[headers.index("租期结束")].value = end + timedelta(days=365)
    new = ["新租户", person(7001), "", row[3].value, row[4].value] + [""] * (len(headers) - 5)
    new[headers.index("工作单位")] = "某物流公司"
    sheet.append(new)
    out = io.BytesIO()
    book.save(out)
    capture = django_capture_on_commit_callbacks
    run = checked(client, world.areas["A1"], out.getvalue(), "流动人口.xlsx", capture)

    # Then the check passes and says which columns it leaves out, and where they are kept
    assert run.status == "checked", run.message
    assert "没有导入，其中的内容不会写入名册：房东、租期结束、工作单位（" in run.message
    assert "流动人口信息中修改" in run.message
    assert "居住证号" not in run.message  # an empty column is not named
    # and that the new tenant would be registered as 户籍人口 (the file has no 人口类型)
    assert "新登记的 1 人按户籍人口登记" in run.message
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert "这些列没有导入" in page
    assert FloatingProfile.objects.get(resident=tenant).lease_end == end


def test_exported_dates_are_excel_dates_and_numbers_stay_numbers(world):
    # Given a tenant with a lease and a permit, and a care record
    tenant, landlord = world.residents["A1-1-h2-r2"], world.residents["A1-1-h2-r1"]
    Resident.objects.filter(pk=tenant.pk).update(residence_type="floating")
    start, end = date(2026, 3, 1), date(2027, 2, 28)
    data = FloatingInput(landlord_id=landlord.pk, lease_start=start, lease_end=end, permit_expires=end)
    set_floating(world.grid_worker_li, tenant.pk, data)
    record_care(world.grid_worker_li, landlord.pk, "phone", "电话问候", date(2026, 1, 5))
    client = Client()
    client.force_login(world.secretary_zhang)

    def sheet(response):
        content = b"".join(response.streaming_content)
        return openpyxl.load_workbook(io.BytesIO(content)).active

    # When the lists are exported
    floating = sheet(client.get("/floating/export/"))
    care = sheet(client.get("/care/export/", {"group": "elderly_60"}))
    residents = sheet(client.post("/residents/export/", {"reason": "年度核查"}))

    # Then a date is a date cell shown as 2026-03-01 (sorted and filtered as a date in Excel)
    headers = [c.value for c in floating[1]]
    row = next(r for r in floating.iter_rows(min_row=2) if r[0].value == tenant.name)
    lease_start = row[headers.index("租期开始")]
    assert lease_start.is_date and lease_start.value.date() == start
    assert lease_start.number_format == "yyyy-mm-dd"
    assert row[headers.index("居住证有效期至")].value.date() == end
    assert row[1].data_type == "s"  # the ID number is text
    headers = [c.value for c in care[1]]
    row = next(r for r in care.iter_rows(min_row=2) if r[0].value == landlord.name)
    last_care = row[headers.index("最近关爱")]
    assert last_care.is_date and last_care.value.date() == date(2026, 1, 5)
    assert isinstance(row[headers.index("年龄")].value, int) and row[headers.index("关爱次数")].value == 1
    # the full export's 出生日期 too, beside the full ID number kept as text
    row = next(r for r in residents.iter_rows(min_row=2) if r[0].value == tenant.name)
    assert row[3].is_date and row[3].value.date() == tenant.birth_date
    assert row[1].data_type == "s" and row[1].value == world.full_values[tenant.pk][0]


def test_a_full_resident_export_imports_back_unchanged(world, django_capture_on_commit_callbacks):
    # Given the community's list exported in full (出生日期 as dates, ID numbers as text)
    client = Client()
    client.force_login(world.secretary_zhang)
    community = world.areas["A1"]
    r = client.post("/residents/export/", {"reason": "年度核查", "area": community.code})
    content = b"".join(r.streaming_content)  # type: ignore[attr-defined]

    # When it is uploaded again as it is
    run = checked(client, community, content, "居民.xlsx", django_capture_on_commit_callbacks)

    # Then every row is found unchanged, and the one column it does not read is named
    in_community = Resident.objects.filter(area_path__startswith=community.path).count()
    assert run.status == "checked", (run.message, run.errors)
    assert run.summary["unchanged"] == in_community and run.summary["changed"] == 0
    assert "这些列没有导入，其中的内容不会写入名册：户编号" in run.message


def test_the_resident_export_carries_party_membership_for_editing(world, django_capture_on_commit_callbacks):
    # Given the community's list exported in full
    client = Client()
    client.force_login(world.secretary_zhang)
    community = world.areas["A1"]
    r = client.post("/residents/export/", {"reason": "党员核对", "area": community.code})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))  # type: ignore[attr-defined]
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    column = headers.index("党员类型")
    residents = Resident.objects.filter(area_path__startswith=community.path)
    kinds = {r.name: r.party_member_kind for r in residents}
    rows = list(sheet.iter_rows(min_row=2))
    # Then a member's kind is there by its name, a non-member's cell blank
    assert {row[0].value: row[column].value or "" for row in rows} == {
        name: {"local": "社区党员"}.get(kind, kind) for name, kind in kinds.items()
    }
    assert "local" in kinds.values() and "" in kinds.values()

    # When the worker marks a non-member as an in-service member and uploads the file again
    row = next(row for row in rows if not kinds[row[0].value])
    row[column].value = "在职党员"
    out = io.BytesIO()
    book.save(out)
    run = checked(client, community, out.getvalue(), "居民.xlsx", django_capture_on_commit_callbacks)

    # Then that one change is what the check finds
    assert run.status == "checked", (run.message, run.errors)
    assert run.summary["changed"] == 1
    assert run.changes[0]["name"] == row[0].value and run.changes[0]["fields"] == ["党员类型"]
