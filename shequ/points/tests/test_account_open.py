"""期初积分 for a resident of the register who has not earned, redeemed or signed in yet:
the accounts search only listed existing accounts, so a paper ledger's balance could not
be carried over for most of a community on the first day."""

import pytest

from shequ.access.models import User
from shequ.core.errors import NotFound
from shequ.points import services
from shequ.points.models import Account
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_find_a_registered_resident_and_open_their_account(world):
    resident = world.residents["A1-2-h2-r2"]
    assert not Account.objects.filter(user__resident=resident).exists()
    c = client_for(world.secretary_zhang)
    page = c.get("/points/accounts/", {"q": resident.name}).content.decode()
    assert "登记册中还没有积分账户的居民" in page and f'name="resident" value="{resident.pk}"' in page
    r = c.post("/points/accounts/open/", {"resident": resident.pk})
    account = Account.objects.get(user__resident=resident)
    assert r.status_code == 302 and r["Location"] == f"/points/accounts/{account.pk}/"
    assert not User.objects.get(resident=resident).has_usable_password()
    # Opened: the person is now listed as an account, not offered again.
    page = c.get("/points/accounts/", {"q": resident.name}).content.decode()
    assert f'name="resident" value="{resident.pk}"' not in page
    # A second press opens nothing more.
    c.post("/points/accounts/open/", {"resident": resident.pk})
    assert Account.objects.filter(user__resident=resident).count() == 1


def test_a_resident_out_of_scope_is_not_opened(world):
    other = next(r for k, r in world.residents.items() if k.startswith("B1"))
    with pytest.raises(NotFound):
        services.account_for_resident(world.secretary_zhang, other.pk)
    r = client_for(world.grid_worker_li).post("/points/accounts/open/", {"resident": other.pk})
    assert r.status_code in (403, 404)
    assert not Account.objects.filter(user__resident=other).exists()
