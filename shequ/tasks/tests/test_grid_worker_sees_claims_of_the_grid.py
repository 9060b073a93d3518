"""A resident's claim of a task set for the whole community is kept at their household,
so the grid worker of their grid accepts its proof. The grid worker could open each such
claim (from the 待验收 notice or queue), but the task's own page hid its 接单情况 from them
and `GET /claims/?task=` listed none of them: who in their grid had taken the community's
task, and how far each had got, was nowhere to be read. They now see the claims kept in
their scope there, and only those: another grid's claims stay with that grid."""

import io

import pytest
from PIL import Image

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 60)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "bulb.jpg"
    return buffer


def test_the_grid_worker_reads_the_claims_of_their_grid_on_a_community_task(world):
    # Given a task set for the whole community A1, claimed in grid A1-1 and in grid A1-2
    task = make_task(world, key="A1", title="社区楼道灯泡统一更换", places=3)
    here = services.claim_task(world.resident_wang, task.pk)
    proof = services.ClaimActionInput(action="submit", note="换好了", files=[_photo()])
    services.transition_claim(world.resident_wang, here.pk, proof)
    there = services.claim_task(world.users["resident@A1-2-h1"], task.pk)
    grid_worker = client_for(world.grid_worker_li)

    # When the grid worker of A1-1 opens the task and asks the API for its claims
    page = grid_worker.get(f"/tasks/{task.pk}/").content.decode()
    listed = grid_worker.get("/api/v1/claims/", {"task": task.pk}).json()["items"]

    # Then their grid's claim is listed, linked to the claim page they accept it on
    assert "接单情况" in page and f"/tasks/claims/{here.pk}/" in page
    assert [row["id"] for row in listed] == [here.pk]
    # and the other grid's is not theirs to read
    assert f"/tasks/claims/{there.pk}/" not in page
    assert client_for(world.grid_worker_li).get(f"/tasks/claims/{there.pk}/").status_code == 404


def test_a_resident_still_reads_only_their_own_claim(world):
    task = make_task(world, key="A1", title="社区楼道灯泡统一更换", places=3)
    services.claim_task(world.users["resident@A1-2-h1"], task.pk)
    mine = services.claim_task(world.resident_wang, task.pk)

    listed = client_for(world.resident_wang).get("/api/v1/claims/", {"task": task.pk}).json()["items"]
    page = client_for(world.resident_wang).get(f"/tasks/{task.pk}/").content.decode()

    assert [row["id"] for row in listed] == [mine.pk]
    assert "接单情况" not in page
