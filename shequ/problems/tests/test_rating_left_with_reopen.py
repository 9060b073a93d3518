"""A resident who chose 未解决 and 1星 and then 重新打开 with a reason had the problem
reopened and the rating dropped without a word: it counted nowhere, and they believed
they had rated it. Sent with any action but 回访评价, the rating is refused naming why,
and the page keeps the reason and the choice; the API answers the same."""

import json

import pytest

from shequ.problems.models import Problem, Status
from shequ.problems.tests.helpers import verified
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_rating_typed_beside_reopen_is_named_not_dropped(world):
    p = verified(world)
    resident = client_for(world.resident_wang)
    reason = "楼道又堵了，污水还在往外冒"
    r = resident.post(
        f"/problems/{p.pk}/act/",
        {"action": "reopen", "note": reason, "resolved": "0", "satisfaction": "1"},
    )
    page = r.content.decode()
    assert r.status_code == 400
    assert "是否解决只在回访评价时记下" in page and "满意度只在回访评价时记下" in page
    assert reason in page and 'value="0" checked' in page and "暂不评价" in page
    assert Problem.objects.get(pk=p.pk).status == Status.CLOSED  # nothing done


def test_the_api_refuses_a_rating_with_reopen_too(world):
    p = verified(world)
    r = client_for(world.resident_wang).post(
        f"/api/v1/problems/{p.pk}/transitions",
        json.dumps({"action": "reopen", "note": "又堵了", "resolved": False, "satisfaction": 1}),
        content_type="application/json",
    )
    assert r.status_code == 400 and set(r.json()["fields"]) == {"resolved", "satisfaction"}


def test_reopen_alone_still_reopens(world):
    p = verified(world)
    r = client_for(world.resident_wang).post(
        f"/problems/{p.pk}/act/", {"action": "reopen", "note": "又堵了", "resolved": "", "satisfaction": ""}
    )
    assert r.status_code == 302 and Problem.objects.get(pk=p.pk).status == Status.IN_PROGRESS
