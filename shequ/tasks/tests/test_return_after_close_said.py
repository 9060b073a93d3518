"""Proof sent before a task was ended (结束任务) is still accepted or returned, but a return
then ends the claim (withdrawn, no points): it could not be proved again. The claim page
offered 退回 as for an open task, and staff returning a proof "to be redone" ended it
unawares. The return form now says what it will do."""

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_return_form_of_an_ended_task_says_it_ends_the_claim(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    staff = client_for(world.grid_worker_li)
    open_page = staff.get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert "退回后接单随之结束" not in open_page
    services.transition_task(world.secretary_zhang, task.pk, "close", "活动取消")
    page = staff.get(f"/tasks/claims/{claim.pk}/").content.decode()
    form = page[page.index('class="stack return"') :]
    assert "任务已结束：退回后接单随之结束" in form[: form.index("</form>")]
