import pytest

from shequ.points import services
from shequ.points.models import Account
from shequ.points.tests.helpers import party_member
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_find_an_account_read_its_entries_and_carry_over_a_balance(world):
    member = party_member(world, "party-member-accounts")
    services.record_service(
        world.secretary_zhang,
        services.ServiceInput(member=member.pk, kind="mediation", note="调解邻里纠纷", points=6),
    )
    account = Account.objects.get(user=member)
    name = member.resident.name
    c = client_for(world.secretary_zhang)
    listed = c.get("/points/accounts/", {"q": name}).content.decode()
    assert f'href="/points/accounts/{account.pk}/"' in listed
    page = c.get(f"/points/accounts/{account.pk}/").content.decode()
    assert "调解邻里纠纷" in page and ">6<" in page.replace(" ", "")
    # A carried-over balance: bad input is named and kept; a good one is added.
    r = c.post(f"/points/accounts/{account.pk}/", {"points": "abc", "memo": "纸质台账结转"})
    assert r.status_code == 400 and "期初积分必须是整数" in r.content.decode()
    assert 'value="纸质台账结转"' in r.content.decode()
    r = c.post(f"/points/accounts/{account.pk}/", {"points": "5", "memo": "长" * 201})
    assert r.status_code == 400 and "不能超过 200 个字" in r.content.decode()
    assert (
        c.post(f"/points/accounts/{account.pk}/", {"points": "20", "memo": "纸质台账结转"}).status_code == 302
    )
    account.refresh_from_db()
    assert account.balance == 26
    entries = c.get(f"/api/v1/points/accounts/{account.pk}/entries").json()["items"]
    assert [e["amount"] for e in entries] == [20, 6] and entries[0]["memo"] == "纸质台账结转"
    # The person reads the same figure on their own page.
    assert client_for(member).get("/api/v1/points/balance").json()["balance"] == 26


def test_who_only_reads_points_gets_no_carry_over_form(world):
    member = party_member(world, "party-member-accounts-2")
    services.opening_balance(world.secretary_zhang, member, 10, "期初积分")
    account = Account.objects.get(user=member)
    auditor = client_for(world.users["auditor@A"])
    page = auditor.get(f"/points/accounts/{account.pk}/")  # the auditor reads points
    assert page.status_code == 200 and "录入期初积分" not in page.content.decode()
    assert auditor.post(f"/points/accounts/{account.pk}/", {"points": "5"}).status_code == 403
    assert client_for(world.resident_wang).get(f"/points/accounts/{account.pk}/").status_code == 404
    assert client_for(world.outsider_zhao).get(f"/points/accounts/{account.pk}/").status_code == 404
    account.refresh_from_db()
    assert account.balance == 10


def test_an_auditor_finds_the_points_accounts_from_the_menu_without_links_it_may_not_follow(world):
    """An auditor reads points (accounts, entries, rankings) but had no menu entry to them,
    and the accounts page offered 党员服务积分 and 冲正, which refuse an auditor."""
    auditor = client_for(world.users["auditor@A"])
    home = auditor.get("/").content.decode()
    assert 'href="/points/accounts/">积分账户</a>' in home
    page = auditor.get("/points/accounts/")
    html = page.content.decode()
    assert page.status_code == 200 and 'href="/points/rankings/"' in html
    assert 'href="/points/service/"' not in html and 'href="/points/reversals/"' not in html
    assert auditor.get("/points/rankings/").status_code == 200
    # Staff who manage points keep both links, and a resident has no such menu entry.
    staff = client_for(world.secretary_zhang).get("/points/accounts/").content.decode()
    assert 'href="/points/service/"' in staff and 'href="/points/reversals/"' in staff
    assert "积分账户</a>" not in client_for(world.resident_wang).get("/").content.decode()


def test_a_carry_over_on_an_issuing_account_is_refused_with_the_reason(world):
    """Staff posting 期初积分 to the community's issuing account (a stale page, a crafted
    form) were told they had no right to; it is the account that cannot take one."""
    issuer = services.issuer_for(world.areas["A1"])
    c = client_for(world.secretary_zhang)
    r = c.post(f"/points/accounts/{issuer.pk}/", {"points": "5", "memo": "结转"})
    assert r.status_code == 400 and "期初积分只录入居民或党员的个人账户" in r.content.decode()
    r = c.post(f"/api/v1/points/accounts/{issuer.pk}/opening", {"points": 5}, content_type="application/json")
    assert r.status_code == 400 and "个人账户" in r.json()["fields"]["account"]
    issuer.refresh_from_db()
    assert not issuer.entries.exists()
