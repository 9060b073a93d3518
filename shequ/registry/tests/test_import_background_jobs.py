"""The background job of a registry import: a superseded job does nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.people.models import Resident
from shequ.registry import services
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import HEADERS, rows_for, save
from shequ.registry.tests.test_import_pages import upload

pytestmark = pytest.mark.django_db


def _uploaded(world, tmp_path, name, start):
    client = Client()
    client.force_login(world.secretary_zhang)
    rows = rows_for(world, 2, start=start)
    upload(client, world.areas["A1"], save(tmp_path / name, {"居民": [HEADERS, *rows]}))
    run = ImportRun.objects.latest("id")
    fields = {f"col_{i}": run.mapping.get(h, "") for i, h in enumerate(run.headers)}
    return client, run, fields, rows


def test_check_again_after_a_confirm_leaves_the_confirmed_import_undone(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """确认导入 queued, the page then offered 重新检查 and both jobs ran: the import wrote the
    residents and deleted the upload, and the check then failed the run with 无法读取这个
    Excel 文件 although the residents had been imported."""
    client, run, fields, _ = _uploaded(world, tmp_path, "twice.xlsx", 43_200)
    residents = Resident.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    assert run.status == "checked"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(f"/registry/import/{run.pk}/confirm/").status_code == 302
    # Its worker took the import, said how far it got, and was never heard of again.
    ImportRun.objects.filter(pk=run.pk).update(
        message="已检查 0/2 行", progressed_at=timezone.now() - timedelta(minutes=31)
    )
    assert "重新检查</button>" in client.get(f"/registry/import/{run.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as again:
        assert client.post(f"/registry/import/{run.pk}/", fields).status_code == 302
    for job in [*queued, *again]:  # the import job comes out of the queue first
        job()
    run.refresh_from_db()
    assert run.status == "checked" and run.message == "检查通过，可以导入" and run.stored_file
    assert run.summary["new"] == 2
    assert Resident.objects.count() == residents  # nothing written: 确认导入 is asked again


def test_a_job_for_a_run_that_moved_on_does_nothing(world, tmp_path, django_capture_on_commit_callbacks):
    """A job runs only the run it was queued for, in the state it was queued for."""
    client, run, fields, _ = _uploaded(world, tmp_path, "moved.xlsx", 43_300)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/registry/import/{run.pk}/", fields)
    run.refresh_from_db()
    assert run.status == "checked" and run.job == 1
    before = ImportRun.objects.values().get(pk=run.pk)
    # The check's job again (a duplicate), and an import nobody confirmed.
    services.process(run.pk, commit=False, job=1)
    services.process(run.pk, commit=True, job=1)
    assert ImportRun.objects.values().get(pk=run.pk) == before
