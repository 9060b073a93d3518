"""An exported list edited in Excel and uploaded again: what the import takes and what it
says it leaves out."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shequ.people.models import FloatingProfile, Resident
from shequ.people.services import FloatingInput, set_floating
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
