"""The board offers retired categories to filter by (their problems stay on the lists);
the API listed only those in use, so an app could not offer them."""

import pytest

from shequ.problems.models import ProblemCategory
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_retired_categories_are_listed_when_asked_for_after_those_in_use(world):
    retired = ProblemCategory.objects.get(code="road_expansion")
    ProblemCategory.objects.filter(pk=retired.pk).update(active=False)
    c = client_for(world.resident_wang)
    in_use = c.get("/api/v1/problem-categories/").json()
    assert "road_expansion" not in [x["code"] for x in in_use] and all(x["active"] for x in in_use)
    every = c.get("/api/v1/problem-categories/", {"include_retired": "true"}).json()
    codes = [x["code"] for x in every]
    assert "road_expansion" in codes
    assert codes[: len(in_use)] == [x["code"] for x in in_use]  # in use first, in their order
    assert [x["active"] for x in every if x["code"] == "road_expansion"] == [False]
