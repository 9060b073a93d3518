"""A register that marks a party member 群众 ends their membership of the branch too."""

import pytest
from django.test import Client

from shequ.party.models import PartyOrgKind
from shequ.party.services import create_party_org
from shequ.people.models import Resident
from shequ.registry import services
from shequ.registry.tests.helpers import save

pytestmark = pytest.mark.django_db


def test_a_member_imported_as_the_masses_leaves_the_branch(world, tmp_path):
    """The resident's page said 党员：否（第一党支部）: the kind was cleared, the branch kept."""
    community = world.areas["A1"]
    branch = create_party_org(name="测试第一党支部", kind=PartyOrgKind.BRANCH, area=community)
    resident = world.residents["A1-1-h2-r2"]
    # The demo and bulk registrations place members in a branch (and 更改党员信息 does).
    Resident.objects.filter(pk=resident.pk).update(party_member_kind="local", party_org=branch)

    number = world.full_values[resident.pk][0]
    head = ["姓名", "身份证号", "楼栋", "门牌号", "政治面貌"]
    row = [resident.name, number, world.areas["A1-1-b"].name, resident.household.address, "群众"]
    result, _ = services.import_file(
        save(tmp_path / "masses.xlsx", {"S": [head, row]}), community.code, dry_run=False
    )
    assert result.errors == [] and result.summary()["changed"] == 1

    after = Resident.objects.get(pk=resident.pk)
    assert (after.party_member_kind, after.party_org_id) == ("", None)
    client = Client()
    client.force_login(world.secretary_zhang)
    page = client.get(f"/residents/{resident.pk}/").content.decode()
    # The branch is one of the 更改党员信息 form's choices, no longer named beside 党员.
    assert "（测试第一党支部）" not in page and "<dd>否" in page
