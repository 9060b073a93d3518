"""The resident API names a party member's branch, as the resident's page does
(党员：社区党员（第一党支部）): a secretary's app read only the member kind."""

import pytest

from shequ.party.services import create_party_org
from shequ.people.models import Resident
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_resident_api_names_the_branch_the_page_shows(world):
    branch = create_party_org(name="春元里社区第一党支部", kind="branch", area=world.areas["A1"])
    member = world.residents["A1-1-h2-r2"]  # a party member of the world (社区党员)
    Resident.objects.filter(pk=member.pk).update(party_org=branch)
    client = client_for(world.secretary_zhang)
    page = client.get(f"/residents/{member.pk}/").content.decode()
    assert "（春元里社区第一党支部）" in page
    one = client.get(f"/api/v1/residents/{member.pk}").json()
    assert one["party_member_kind"] == "local" and one["party_org"] == "春元里社区第一党支部"
    listed = client.get("/api/v1/residents/", {"area": world.areas["A1-1"].code}).json()["items"]
    by_id = {x["id"]: x for x in listed}
    assert by_id[member.pk]["party_org"] == "春元里社区第一党支部"
    other = world.residents["A1-1-h1-r1"]
    assert by_id[other.pk]["party_org"] is None
