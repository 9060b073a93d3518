"""A photo on a step of the timeline is named for its step: a resident's photo sent with
重新打开 (the rubbish back again) and a verifier's with 返工 were both shown as 处置照片,
the grid worker's proof of the work, which is what a screen reader read out."""

import pytest

from shequ.problems.tests.helpers import act, jpeg, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_each_step_photo_is_named_for_its_step(world):
    wang, li, zhang = world.resident_wang, world.grid_worker_li, world.secretary_zhang
    # Given a problem sent back at 核查 with a photo, done again, closed, and reopened by
    # its resident with a photo.
    p = report(world, wang, category="garbage")
    act(world, zhang, p, "accept")
    act(world, zhang, p, "dispatch")
    act(world, li, p, "start")
    act(world, li, p, "report_back", note="已清运", photos=[jpeg()])
    act(world, zhang, p, "verify_fail", note="还有一袋没运走", photos=[jpeg()])
    act(world, li, p, "report_back", note="已全部清运", photos=[jpeg()])
    act(world, zhang, p, "verify_pass")
    act(world, wang, p, "reopen", note="又堆满了", photos=[jpeg()])

    # When the resident opens the problem.
    page = client_for(wang).get(f"/problems/{p.pk}/").content.decode()

    # Then only the two proofs of the work are 处置照片; the others say whose step they are.
    assert page.count('alt="处置照片"') == 2
    assert page.count('alt="核查不通过（返工）时的照片"') == 1
    assert page.count('alt="重新打开时的照片"') == 1
