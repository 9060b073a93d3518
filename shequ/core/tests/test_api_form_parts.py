"""The endpoints that read form data with files name a part they do not read, as a JSON
body's unknown field is named: photos sent under another name were dropped, and the
report or the proof was answered as saved without them."""

import pytest

from shequ.problems.models import Problem
from shequ.problems.tests.helpers import grid_point, jpeg
from shequ.tasks import services
from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_report_with_its_photos_under_another_name_is_refused_not_saved_without_them(world):
    lon, lat = grid_point(world)
    mine = Problem.objects.filter(reporter=world.resident_wang)
    before = mine.count()
    form = {"category": "blocked_drain", "description": "楼道下水管堵塞", "lon": lon, "lat": lat}
    form["photo"] = jpeg()
    r = client_for(world.resident_wang).post("/api/v1/problems/", form)
    assert r.status_code == 400 and set(r.json()["fields"]) == {"photo"}, r.content
    assert "photos" in r.json()["fields"]["photo"]
    assert mine.count() == before
    del form["photo"]
    form["photos"] = jpeg()
    r = client_for(world.resident_wang).post("/api/v1/problems/", form)
    assert r.status_code == 201 and mine.count() == before + 1


def test_a_proof_whose_note_or_files_come_under_another_name_is_refused(world):
    claim = services.claim_task(world.resident_wang, make_task(world).pk)
    resident = client_for(world.resident_wang)
    url = f"/api/v1/claims/{claim.pk}/proof"
    # proof_note is the name the claim is read back with: the note was dropped.
    r = resident.post(url, {"proof_note": "已更换，灯亮了", "files": [jpeg()]})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"proof_note"}, r.content
    r = resident.post(url, {"note": "已更换，灯亮了", "files": [jpeg()], "photos": [jpeg()]})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"photos"}
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED
    r = resident.post(url, {"note": "已更换，灯亮了", "files": [jpeg()]})
    assert r.status_code == 200 and r.json()["proof_note"] == "已更换，灯亮了"


def test_task_attachments_under_another_name_are_named(world):
    task = make_task(world)
    r = client_for(world.secretary_zhang).post(f"/api/v1/tasks/{task.pk}/attachments", {"photos": [jpeg()]})
    assert r.status_code == 400 and "photos" in r.json()["fields"], r.content
