"""A member's kind came only from the Excel import, and their branch from nowhere: a
member could not be placed in a branch, nor moved when they moved, and a 双报到 refused
as 不是党员 had nowhere to be corrected. The resident's page sets both."""

import pytest

from shequ.access.models import AuditEvent
from shequ.party.services import create_party_org
from shequ.people.models import Resident
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_secretary_sets_a_members_kind_and_branch(world):
    branch = create_party_org(name="春元里社区第二党支部", kind="branch", area=world.areas["A1"])
    elsewhere = create_party_org(name="外社区党支部", kind="branch", area=world.areas["B1"])
    resident = world.residents["A1-1-h1-r1"]
    Resident.objects.filter(pk=resident.pk).update(party_member_kind="", party_org=None)
    staff = client_for(world.secretary_zhang)
    page = staff.get(f"/residents/{resident.pk}/").content.decode()
    assert "更改党员信息" in page and "春元里社区第二党支部" in page and "外社区党支部" not in page
    url = f"/residents/{resident.pk}/party/"

    # A branch for one who is not a member, and a branch of another community, are named.
    r = staff.post(url, {"party_member_kind": "", "party_org": str(branch.pk)})
    assert r.status_code == 400 and "不是党员的居民不能归属党组织" in r.content.decode()
    r = staff.post(url, {"party_member_kind": "in_service", "party_org": str(elsewhere.pk)})
    body = r.content.decode()
    assert r.status_code == 400 and "所选党组织不在该居民所在的社区或街道" in body
    assert '<option value="in_service" selected>' in body  # what was chosen is kept
    assert Resident.objects.get(pk=resident.pk).party_member_kind == ""

    r = staff.post(url, {"party_member_kind": "in_service", "party_org": str(branch.pk)})
    assert r.status_code == 302
    saved = Resident.objects.get(pk=resident.pk)
    assert (saved.party_member_kind, saved.party_org_id) == ("in_service", branch.pk)
    row = AuditEvent.objects.filter(event="resident.party", object_id=str(resident.pk)).latest("id")
    assert row.detail == {"from": "不是党员", "to": "在职党员（春元里社区第二党支部）"}
    assert "（春元里社区第二党支部）" in staff.get(f"/residents/{resident.pk}/").content.decode()


def test_only_who_keeps_the_registry_changes_it(world):
    resident = world.residents["A1-1-h1-r1"]
    r = client_for(world.grid_worker_li).post(
        f"/residents/{resident.pk}/party/", {"party_member_kind": "local"}
    )
    assert r.status_code == 403  # the grid worker sees the resident but keeps no registry
    r = client_for(world.outsider_zhao).post(
        f"/residents/{resident.pk}/party/", {"party_member_kind": "local"}
    )
    assert r.status_code == 404
    assert Resident.objects.get(pk=resident.pk).party_member_kind == resident.party_member_kind
