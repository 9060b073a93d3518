"""The street's own staff record a community's report handed in on paper (报送街道 on its
behalf): the street knows of it, yet the page told them nobody at the street had been
notified and to tell the street another way, whenever they were its only export holder."""

import pytest

from shequ.problems import monthly, services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_street_recording_a_sending_is_not_told_to_tell_the_street(world):
    run = services.request_monthly_report(world.secretary_zhang, world.areas["A1"].code, "202611")
    monthly.run_report(run.pk)
    street = client_for(world.street_chen)
    r = street.post(f"/problems/reports/{run.pk}/submit/")
    assert r.status_code == 302 and "told" not in r["Location"]
    assert "请另行告知街道" not in street.get(r["Location"]).content.decode()
