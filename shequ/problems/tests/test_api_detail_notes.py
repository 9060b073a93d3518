"""What the problem page tells about a report besides its steps (a map pin not used as its
place; nobody set up yet to handle reports in the community) is in the API's answer for
the problem too: it was only in the answer to the report itself, so an app opening the
problem later showed a report filed by its address alone as if the pin were its place."""

import pytest

from shequ.access.roles import Role
from shequ.access.services import add_user
from shequ.problems import services
from shequ.problems.tests.helpers import act
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

GANSU = (106.347656, 34.329828)  # ~1,000 km from the world's grids


def test_the_api_detail_says_what_the_page_says_about_the_report(world):
    wang, zhang = world.resident_wang, world.secretary_zhang
    # Given a report whose pin was too far from every grid to be its place.
    data = services.ReportInput(
        category="garbage",
        description="楼下垃圾三天没有清运",
        lon=GANSU[0],
        lat=GANSU[1],
        address="3号楼门口",
    )
    p, _ = services.report_problem(wang, data)
    note = services.UNUSED_PIN_NOTES["far"]

    # When the resident's app and the page read it, before and after 立案.
    for step in (None, "accept"):
        if step:
            act(world, zhang, p, step)
        body = client_for(wang).get(f"/api/v1/problems/{p.pk}").json()
        page = client_for(wang).get(f"/problems/{p.pk}/").content.decode()
        # Then both say the pin was not used.
        assert body["notes"] == [note] and note in page


def test_the_api_detail_says_nobody_is_set_up_only_while_the_report_waits(world):
    from shequ.problems.tests.test_report_place_and_triage import _new_street_resident

    user, community = _new_street_resident()
    p, _ = services.report_problem(
        user, services.ReportInput(category="garbage", description="楼道灯坏了好几天", address="1号楼")
    )
    body = client_for(user).get(f"/api/v1/problems/{p.pk}").json()
    assert body["notes"] == [services.UNHEARD_NOTE]
    assert services.UNHEARD_NOTE in client_for(user).get(f"/problems/{p.pk}/").content.decode()
    # Once someone set up later takes it up, neither says so any more.
    admin = add_user(
        "new-street-admin", "x", role=Role.STREET_ADMIN, area_code="990300001", check_password=False
    )
    act(world, admin, p, "accept")
    assert client_for(user).get(f"/api/v1/problems/{p.pk}").json()["notes"] == []
    assert services.UNHEARD_NOTE not in client_for(user).get(f"/problems/{p.pk}/").content.decode()
