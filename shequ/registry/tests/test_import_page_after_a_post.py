"""A refused 确认导入 draws the upload's page at the address it was sent to
(/registry/import/<id>/confirm/). The 列对应 form there had no action, so it posted back
to that address: staff who fixed the column mapping and pressed 确认列对应并检查 were
refused again ("只有检查通过的文件才能导入") and their choices were not kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import HEADERS, rows_for, save
from shequ.testing.pages import forms, path

pytestmark = pytest.mark.django_db


def test_the_mapping_sent_from_a_refused_confirm_is_checked(
    world, tmp_path, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.secretary_zhang)
    headers = ["住户姓名", *HEADERS[1:]]  # not a known header: the run waits for its mapping
    workbook = save(tmp_path / "名单.xlsx", {"居民": [headers, *rows_for(world, 4, start=43_000)]})
    with open(workbook, "rb") as fh:
        data = SimpleUploadedFile(workbook.name, fh.read())
    client.post("/registry/import/", {"community": world.areas["A1"].code, "file": data})
    run = ImportRun.objects.filter(requested_by=world.secretary_zhang).latest("id")
    assert run.status == "mapping"
    # 确认导入 from a page opened before (a second tab): refused, the page drawn at its address.
    page_url = f"/registry/import/{run.pk}/confirm/"
    refused = client.post(page_url)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "只有检查通过的文件才能导入" in body
    for target, form in forms(page_url, body):
        assert path(target) in (f"/registry/import/{run.pk}/", "/logout/"), form[:120]
    mapping = next(t for t, f in forms(page_url, body) if 'id="mapping"' in f)
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)} | {"col_0": "name"}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(mapping, fields)
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.mapping["住户姓名"] == "name" and run.status == "checked"
