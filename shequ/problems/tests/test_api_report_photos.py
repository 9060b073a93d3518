"""The API's ``photos`` are the report's photos, as the problem page shows them under the
description (and Open311's media_url takes them): a grid worker's proof of the work, or a
resident's photo sent with 重新打开, is shown on its own step of the timeline. The API
listed every photo of the problem there, so an app showing them as 上报照片 showed the
grid worker's proof as if the resident had sent it."""

import pytest

from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_api_photos_are_the_reports_and_each_step_keeps_its_own(world):
    wang, li, zhang = world.resident_wang, world.grid_worker_li, world.secretary_zhang
    # Given a resident's report with one photo, handled with a proof photo and reopened
    # by the resident with another.
    p = report(world, wang, category="garbage", photos=[jpeg()])
    act(world, zhang, p, "accept")
    act(world, zhang, p, "dispatch")
    act(world, li, p, "start")
    act(world, li, p, "report_back", note="已清运", photos=[jpeg()])
    act(world, zhang, p, "verify_pass")
    act(world, wang, p, "reopen", note="又堆满了", photos=[jpeg()])
    report_photo = p.photos.get(kind="report")

    # When the resident's app reads the problem.
    body = client_for(wang).get(f"/api/v1/problems/{p.pk}").json()

    # Then its photos are the report's, as the page shows them, and each step's photos
    # stay on their step.
    assert body["photos"] == [f"/problems/photos/{report_photo.pk}/"]
    page = client_for(wang).get(f"/problems/{p.pk}/").content.decode()
    assert page.count('alt="上报照片"') == 1
    steps = {e["action"]: e["photos"] for e in body["timeline"]}
    assert len(steps["report_back"]) == 1 and len(steps["reopen"]) == 1
    assert not set(steps["report_back"] + steps["reopen"]) & set(body["photos"])
