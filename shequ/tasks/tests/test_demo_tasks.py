"""The demo's task list and points: 龙滩子街道 has a year of tasks, claims, awards and
redemptions with orders in every state; 杏山街道 has its 39 service teams and skills."""

import pytest
from django.db.models import Sum

from shequ.points.models import Account, Entry, Order, OrderStatus, Transaction
from shequ.points.services import reconcile
from shequ.tasks.models import Award, Claim, ClaimStatus, MonthlyList, ServiceTeam, Talent, Task

pytestmark = pytest.mark.django_db
LTZ, XS = "/500111003/", "/522635001/"


def test_longtanzi_has_a_year_of_tasks_and_orders_in_every_state(demo):
    assert set(Order.objects.filter(area_path__startswith=LTZ).values_list("status", flat=True)) == set(
        OrderStatus.values
    )
    assert set(Claim.objects.filter(area_path__startswith=LTZ).values_list("status", flat=True)) == set(
        ClaimStatus.values
    )
    months = set(MonthlyList.objects.filter(area_path__startswith=LTZ).values_list("month", flat=True))
    assert len(months) >= 12
    assert Task.objects.filter(area_path__startswith=LTZ, problem__isnull=True).count() > 300
    assert Award.objects.filter(task__area_path__startswith=LTZ).count() > 300


def test_demo_ledger_balances_and_sums(demo):
    assert reconcile() == []
    totals = Transaction.objects.filter(area_path__startswith=LTZ).annotate(t=Sum("entries__amount"))
    assert set(totals.values_list("t", flat=True)) == {0}
    assert not Account.objects.exclude(kind="issuer").filter(balance__lt=0).exists()
    assert Entry.objects.filter(area_path__startswith=LTZ, earning=True).exists()


def test_xingshan_has_39_service_teams_and_a_skills_registry(demo):
    assert ServiceTeam.objects.filter(area_path__startswith=XS).count() == 39
    assert Talent.objects.filter(area_path__startswith=XS).values("kind").distinct().count() == 3


def test_every_longtanzi_community_has_both_quarterly_lists(demo):
    """社区治理能人 and 社区治理先锋 both have names in the last full quarter."""
    from django.utils import timezone

    from shequ.areas.models import Area
    from shequ.points import selectors
    from shequ.points.models import AccountKind

    year, quarter = selectors.current_quarter(timezone.localdate())
    year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    communities = Area.objects.filter(kind="community", path__startswith=LTZ)
    assert communities.count() == 5
    for community in communities:
        for kind in (AccountKind.RESIDENT, AccountKind.PARTY_MEMBER):
            assert selectors.ranking(community, kind, year, quarter), (community.name, kind)
