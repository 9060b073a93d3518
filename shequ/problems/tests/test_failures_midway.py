"""A disk that refuses a file, or a database busy past its wait: nothing half-kept on
disk, and the person is told plainly, with what they typed."""

import errno
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError

from shequ.problems import photos, services
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _files(folder):
    root = Path(settings.MEDIA_ROOT) / folder
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _full_on(n, monkeypatch):
    real = photos._fsync_write
    calls = {"n": 0}

    def flaky(path, data):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(photos, "_fsync_write", flaky)


def test_a_disk_full_on_the_second_photo_leaves_neither_on_disk(world, monkeypatch):
    _full_on(2, monkeypatch)
    with pytest.raises(services.ValidationFailed) as exc:
        report(world, photos=[jpeg(), jpeg()])
    assert exc.value.status == 503 and "存储空间不足" in exc.value.fields["photos"]
    assert _files("problems") == set()


def test_a_write_that_fails_leaves_no_partial_file(world, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(photos.os, "fsync", full)
    with pytest.raises(services.ValidationFailed):
        report(world, photos=[jpeg()])
    monkeypatch.undo()
    assert _files("problems") == set()


def test_the_second_proof_file_failing_leaves_neither(world, monkeypatch):
    from shequ.tasks import services as task_services
    from shequ.tasks.tests.helpers import make_task

    claim = task_services.claim_task(world.resident_wang, make_task(world).pk)
    _full_on(2, monkeypatch)
    with pytest.raises(services.ValidationFailed) as exc:
        task_services.transition_claim(
            world.resident_wang,
            claim.pk,
            task_services.ClaimActionInput("submit", "修好了", [jpeg(), jpeg()]),
        )
    assert "存储空间不足" in exc.value.fields["files"]
    assert _files("tasks") == set()


def test_the_report_form_comes_back_with_what_was_typed(world, monkeypatch):
    lon, lat = grid_point(world)
    form = {
        "category": "blocked_drain",
        "description": "楼道下水管堵塞，污水外溢很严重",
        "lon": lon,
        "lat": lat,
    }
    client = client_for(world.resident_wang)
    _full_on(1, monkeypatch)
    r = client.post("/problems/new/", {**form, "photos": [jpeg()]})
    body = r.content.decode()
    assert r.status_code == 503 and "存储空间不足" in body and "污水外溢很严重" in body
    monkeypatch.undo()

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "report_problem", busy)
    r = client.post("/problems/new/", form)
    body = r.content.decode()
    assert r.status_code == 503 and "系统繁忙，刚才的内容没有保存" in body and "污水外溢很严重" in body
    assert not Problem.objects.filter(description="楼道下水管堵塞，污水外溢很严重").exists()


def test_a_busy_database_is_a_503_on_other_pages_and_in_the_api(world, monkeypatch):
    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "transition", busy)
    p = report(world)
    client = client_for(world.secretary_zhang)
    client.raise_request_exception = False
    r = client.post(f"/problems/{p.pk}/act/", {"action": "accept"})
    assert r.status_code == 503 and "系统繁忙" in r.content.decode()
    r = client.post(
        f"/api/v1/problems/{p.pk}/transitions", {"action": "accept"}, content_type="application/json"
    )
    assert r.status_code == 503 and r.json()["code"] == "unavailable"


def test_only_a_bad_pin_is_called_a_bad_pin(world, monkeypatch):
    """Any ValueError inside the service was shown as "位置坐标不是数字"."""
    client = client_for(world.resident_wang)
    form = {
        "category": "blocked_drain",
        "description": "楼道下水管堵塞，污水外溢很严重",
        "lon": "东经",
        "lat": "1",
    }
    r = client.post("/problems/new/", form)
    body = r.content.decode()
    assert r.status_code == 400 and "位置坐标不是数字" in body and "污水外溢很严重" in body

    def broken(*args, **kwargs):
        raise ValueError("a defect, not a pin")

    monkeypatch.setattr(services, "report_problem", broken)
    client.raise_request_exception = False
    lon, lat = grid_point(world)
    r = client.post("/problems/new/", {**form, "lon": lon, "lat": lat})
    assert r.status_code == 500 and "位置坐标不是数字" not in r.content.decode()
