"""Two residents of a community often share a name (王伟, 张丽). The account list and an
account's page showed only the name, kind, community and balance, so staff entering a
paper ledger's 期初积分 or answering "how many points do I have" could not tell which
王伟 they had opened. Each person's account now shows the household it belongs to
(building and door, no phone), as the fulfilment page does."""

import pytest

from shequ.people.models import Resident
from shequ.points import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_two_accounts_of_one_name_are_told_apart_by_their_household(world):
    first, second = world.residents["A1-1-h1-r1"], world.residents["A1-2-h2-r1"]
    Resident.objects.filter(pk__in=[first.pk, second.pk]).update(name="王伟")
    accounts = [services.account_for_resident(world.secretary_zhang, r.pk) for r in (first, second)]
    staff = client_for(world.secretary_zhang)
    listed = staff.get("/points/accounts/", {"q": "王伟"}).content.decode()
    for resident in (first, second):
        household = resident.household
        assert f"{household.building.name} {household.address}" in listed
        assert world.full_values[resident.pk][1] not in listed  # no phone
    for account, resident in zip(accounts, (first, second), strict=True):
        page = staff.get(f"/points/accounts/{account.pk}/").content.decode()
        assert f"{resident.household.building.name} {resident.household.address}" in page


def test_the_api_gives_each_account_its_household(world):
    first = world.residents["A1-1-h1-r1"]
    account = services.account_for_resident(world.secretary_zhang, first.pk)
    rows = client_for(world.secretary_zhang).get("/api/v1/points/accounts", {"q": first.name}).json()["items"]
    found = next(r for r in rows if r["id"] == account.pk)
    assert found["address"] == f"{first.household.building.name} {first.household.address}"


def test_an_auditor_reads_names_and_balances_but_not_households(world):
    """An auditor holds points.view, not resident.view: the register's building and door
    stay with the community's staff, on the list, the account's page and the API."""
    resident = world.residents["A1-1-h1-r1"]
    account = services.account_for_resident(world.secretary_zhang, resident.pk)
    where = f"{resident.household.building.name} {resident.household.address}"
    auditor = client_for(world.users["auditor@A"])
    listed = auditor.get("/points/accounts/", {"q": resident.name}).content.decode()
    assert resident.name in listed
    assert where not in listed
    page = auditor.get(f"/points/accounts/{account.pk}/").content.decode()
    assert resident.name in page
    assert where not in page
    rows = auditor.get("/api/v1/points/accounts", {"q": resident.name}).json()["items"]
    assert next(r for r in rows if r["id"] == account.pk)["address"] == ""
