import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from shequ.access.models import RoleAssignment
from shequ.access.roles import Role
from shequ.areas.models import Area
from shequ.core import fieldcrypt
from shequ.demo.generator import People, _members, split, tile
from shequ.people import idcard
from shequ.people.models import Resident
from shequ.reports.selectors import compute

pytestmark = pytest.mark.django_db


def test_demo_counts_equal_the_seed_figures(demo):
    labu = compute(Area.objects.get(code="150784001")).total
    assert [r.name for r, _ in compute(Area.objects.get(code="150784001")).rows] == [
        "兴达社区",
        "平安社区",
        "广安社区",
        "新华社区",
        "农垦社区",
        "和谐社区",
    ]
    assert (labu.communities, labu.households, labu.residents, labu.party_branches, labu.party_members) == (
        6,
        18830,
        42140,
        27,
        1277,
    )
    xing = compute(Area.objects.get(code="522635001"))
    assert [r.name for r, _ in xing.rows] == ["城江社区", "群英社区", "新兴社区", "凤凰社区"]
    t = xing.total
    assert (t.communities, t.grids, t.households, t.residents) == (4, 45, 10479, 24868)
    stations = Area.objects.filter(kind="grid_station", path__startswith="/522635001/").count()
    heads = RoleAssignment.objects.filter(role=Role.BUILDING_HEAD, path__startswith="/522635001/").count()
    assert (stations, heads) == (4, 251)


def test_demo_people_have_valid_consistent_id_numbers(demo):
    sample = Resident.objects.filter(area_path__startswith="/150784001/").order_by("?")[:300]
    for r in sample:
        info = idcard.parse(fieldcrypt.decrypt(r.id_number_enc, "id_number"))
        assert (info.birth_date, info.gender, info.region) == (r.birth_date, r.gender, "150784")


def test_demo_grids_tile_each_community(demo):
    from shapely.geometry import shape
    from shapely.ops import unary_union

    for community in Area.objects.filter(kind="community", path__startswith="/522635001/"):
        grids = [shape(g.geometry) for g in Area.objects.filter(kind="grid", path__startswith=community.path)]
        union = unary_union(grids)
        assert union.symmetric_difference(shape(community.geometry)).area < 1e-9
        assert abs(sum(g.area for g in grids) - union.area) < 1e-9  # no overlaps


def test_demo_is_reproducible_from_its_seed():
    def draw(seed):
        people = People(random.Random(seed), "150784")
        return [(m.name, m.id_number, m.phone) for m in _members(people, 4, False)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_a_regions_mobiles_are_valid_and_come_from_a_few_thousand_blocks():
    """As a city's do: so the registry's phone check (one parse per 7-digit block, cached)
    is not run afresh for nearly every demo resident."""
    from shequ.people import phones

    people = People(random.Random(3), "500111")
    numbers = [people.mobile() for _ in range(20000)]
    assert all(phones.normalize(n) == n for n in numbers[:2000])
    assert len({n[:7] for n in numbers}) <= 25 * 300 < 8192
    assert len(set(numbers)) > 19900  # still nearly all different


def test_split_and_tile():
    assert split(10, 3) == [4, 3, 3]
    cells = tile((0.0, 0.0, 1.0, 1.0), 5)
    assert len(cells) == 5


def test_demo_is_refused_in_production():
    with override_settings(SHEQU_ENV="production"), pytest.raises(CommandError, match="生产环境"):
        call_command("demo", "load")


def test_demo_is_not_loaded_twice(demo):
    with pytest.raises(CommandError, match="演示街道已存在"):
        call_command("demo", "load")
    call_command("demo", "load", "--if-empty")  # says so and does nothing
    assert Area.objects.filter(code="150784001").count() == 1


def test_a_demo_load_that_was_stopped_is_named_with_what_to_do(demo):
    """Stopped during the first `make run`, the load left one street without logins, and
    `--if-empty` then said the database had data: `make run` served a demo nobody could
    sign in to."""
    from shequ.access.models import AuditEvent

    AuditEvent.objects.filter(event="demo.load").delete()
    for args in (("--if-empty",), ()):
        with pytest.raises(CommandError, match="上次加载演示数据没有完成.*make run"):
            call_command("demo", "load", *args)
    assert Area.objects.filter(code="150784001").count() == 1


def test_a_street_the_operator_imported_is_not_taken_for_a_stopped_demo(capsys):
    """After the README's `shequ areas import shequ/areas/data/divisions.csv --street
    150784001` (拉布大林街道, a demo street), `make run` (`demo load --if-empty`) refused
    with "上次加载演示数据没有完成……请删除数据库文件": the operator's own street was taken
    for a demo stopped halfway, and the advice was to delete the database."""
    from shequ.demo.generator import DIVISIONS

    call_command("areas", "import", str(DIVISIONS), "--street", "150784001")
    call_command("demo", "load", "--if-empty")
    assert "数据库已有数据，未加载演示数据" in capsys.readouterr().out
    with pytest.raises(CommandError) as refused:
        call_command("demo", "load")
    assert "演示街道已存在" in str(refused.value) and "没有完成" not in str(refused.value)


def test_demo_has_a_year_of_problems_in_every_state_channel_and_ledger(demo):
    from django.db.models import Count

    from shequ.problems.models import LedgerType, Problem, Source, Status

    for street in ("/150784001/", "/500111003/"):
        qs = Problem.objects.filter(area_path__startswith=street)
        assert set(qs.values_list("status", flat=True)) == set(Status.values), street
        assert set(qs.values_list("source", flat=True)) == set(Source.values), street
        assert set(qs.values_list("ledger_type", flat=True)) == set(LedgerType.values), street
        months = qs.values("month").annotate(n=Count("id"))
        assert len(months) == 12 and all(m["n"] == 100 for m in months), street
        assert qs.filter(photos__kind="report").exists() and qs.filter(photos__kind="proof").exists()
        for p in qs.filter(status=Status.EVALUATED)[:50]:
            actions = list(p.events.values_list("action", flat=True))
            assert actions[0] == "report" and actions[-1] == "evaluate" and "verify_pass" in actions
        # Whoever started a problem still in hand is its 承办人, as the live rule makes them:
        # none sits unassigned in everyone's 待办 after someone began on it.
        for p in qs.filter(status__in=[Status.IN_PROGRESS, Status.REPORTED_BACK]).prefetch_related("events"):
            steps = [e for e in p.events.all() if e.action in ("start", "escalate")]
            if steps and steps[-1].action == "start":
                assert p.assignee_id == steps[-1].actor_id, p.number
        # Escalation and 督办 in hand, not only finished: a problem escalated lately waits
        # for the next level's 立案/派遣, and urges reach problems not yet dispatched and
        # in progress as well as dispatched ones.
        waiting = qs.filter(status=Status.ACCEPTED, events__action="escalate").distinct()
        assert waiting.exists(), street
        assert set(qs.filter(urge_count__gt=0).values_list("status", flat=True)) >= {
            Status.ACCEPTED,
            Status.DISPATCHED,
            Status.IN_PROGRESS,
        }, street


def test_demo_has_problems_reopened_by_their_residents_with_consistent_timelines(demo):
    """No demo problem had ever been reopened (重新打开): the step, its window and the
    closings it leaves for the measures could not be seen anywhere in the demo."""
    from django.conf import settings
    from django.utils import timezone

    from shequ.problems.lifecycle import TRANSITIONS
    from shequ.problems.models import OPEN_STATUSES, Problem, Status

    for street in ("/150784001/", "/500111003/"):
        reopened = list(
            Problem.objects.filter(area_path__startswith=street, reopen_count__gt=0)
            .select_related("category")
            .prefetch_related("events", "closings")
        )
        # Handled again and closed, and one still in hand after its reopening.
        assert {p.status in OPEN_STATUSES for p in reopened} == {True, False}, street
        assert {p.status for p in reopened} >= {Status.IN_PROGRESS, Status.EVALUATED}, street
        for p in reopened:
            events = sorted(p.events.all(), key=lambda e: e.id)
            steps = [e for e in events if e.action == "report" or e.action in TRANSITIONS]
            assert [e.at for e in steps] == sorted(e.at for e in steps), p.number
            assert steps[-1].at <= timezone.now()
            for before, after in zip(steps, steps[1:], strict=False):
                assert after.from_status == before.to_status, p.number
            reopens = [e for e in steps if e.action == "reopen"]
            closings = sorted(p.closings.all(), key=lambda c: c.reopened_at)
            assert len(reopens) == p.reopen_count == len(closings), p.number
            for reopen, closing in zip(reopens, closings, strict=True):
                assert reopen.actor_id == p.reporter_id and reopen.note, p.number
                closed = [e for e in steps if e.action == "verify_pass" and e.at < reopen.at][-1]
                assert closing.closed_at == closed.at and closing.reopened_at == reopen.at
                assert reopen.at - closed.at <= timedelta(days=settings.REOPEN_DAYS), p.number
            if p.status in OPEN_STATUSES:
                hours = settings.DEADLINE_HOURS[p.category.deadline_class]
                assert p.closed_at is None and p.due_at == reopens[-1].at + timedelta(hours=hours)
            else:
                last_close = [e for e in steps if e.action == "verify_pass"][-1]
                assert last_close.at > reopens[-1].at and p.closed_at == last_close.at, p.number


def test_demo_has_visits_floating_residents_and_care_records(demo):
    from shequ.people.models import CareRecord, FloatingProfile, Visit, VisitPlan
    from shequ.problems.models import Problem

    for community in ("/150784001/150784001012/", "/522635001/"):
        assert Visit.objects.filter(area_path__contains=community).exists(), community
        assert CareRecord.objects.filter(area_path__contains=community).exists(), community
        assert VisitPlan.objects.filter(area_path__contains=community).exists(), community
    assert FloatingProfile.objects.filter(permit_number_hash__gt="", landlord__isnull=False).exists()
    # Needs passed on from visits are problems of source "visit" in 杏山街道 only.
    visit_problems = Problem.objects.filter(source="visit", description__startswith="走访发现：")
    assert visit_problems.exists()
    assert not visit_problems.filter(area_path__startswith="/150784001/").exists()


def test_demo_records_are_made_by_those_the_live_rules_allow(demo):
    """Every demo problem, claim and award is made by someone who could have made it:
    residents report through the resident channels, a 代报 names its resident, nobody
    checks their own work or awards themselves, every accepted claim has its proof
    photo, and a monthly list's tasks were on it before the street approved it."""
    from django.db.models import F, OuterRef, Subquery

    from shequ.access.scope import can
    from shequ.problems.models import Problem, ProblemEvent, Source
    from shequ.tasks.models import Award, Claim, ClaimStatus, Task

    demo_streets = ("/150784001/", "/500111003/")
    for street in demo_streets:
        problems = Problem.objects.filter(area_path__startswith=street)
        residents = problems.filter(source__in=[Source.RESIDENT, Source.OPINION_CHANNEL])
        assert residents.exists()
        assert not residents.exclude(reporter__assignments__role=Role.RESIDENT).exists(), street
        assert not problems.filter(source=Source.ON_BEHALF, on_behalf_of__isnull=True).exists(), street
        last_back = (
            ProblemEvent.objects.filter(
                problem=OuterRef("problem"), action="report_back", at__lte=OuterRef("at")
            )
            .order_by("-at", "-id")
            .values("actor")[:1]
        )
        checks = ProblemEvent.objects.filter(
            problem__area_path__startswith=street, action__in=["verify_pass", "verify_fail"]
        ).annotate(worker=Subquery(last_back))
        assert checks.count() > 100
        assert not checks.filter(actor=F("worker")).exists(), street

    claims = Claim.objects.filter(area_path__startswith="/500111003/")
    decided = claims.filter(status=ClaimStatus.ACCEPTED)
    assert decided.count() > 300
    assert not decided.filter(decided_by=F("user")).exists()
    assert not decided.filter(proofs__isnull=True).exists()
    for claim in decided.select_related("decided_by")[:200]:
        assert can(claim.decided_by, "task.accept", claim.area_path), claim.pk
    assert not Award.objects.filter(transaction__created_by=F("user")).exists()
    assert not Award.objects.filter(claim__unit__isnull=False, unit__isnull=True).exists()
    listed = Task.objects.filter(monthly_list__isnull=False, monthly_list__approved_at__isnull=False)
    assert listed.count() > 200
    assert not listed.filter(created_at__gt=F("monthly_list__approved_at")).exists()


LONGTANZI = "/500111003/"


def test_demo_leaves_the_audit_chain_intact(demo):
    """The past lists' review rows were hashed over their local time (+08:00) and read
    back in UTC: the demo's audit chain was broken from the first of them."""
    from shequ.access import audit

    assert audit.verify_chain().intact


def test_demo_past_monthly_lists_have_their_review_history(demo):
    """Every published list's 审批记录, as ``transition_list`` and the publishing job write
    it: drawn up, sent, (some returned with a reason and sent again), approved, published."""
    from datetime import timedelta

    from shequ.access.models import User
    from shequ.tasks.models import ListStatus, MonthlyList
    from shequ.tasks.selectors import list_history

    lists = MonthlyList.objects.filter(area_path__startswith=LONGTANZI, status=ListStatus.PUBLISHED)
    assert lists.count() >= 60
    history = list_history(User.objects.get(username="longtanzi_admin"), list(lists))
    for found in lists:
        steps = history[found.pk]
        named = [s["step"] for s in steps]
        assert named[0] == "新建" and "报街道审批" in named, found.month
        assert {"审批通过", "审批通过并发布"} & set(named), found.month
        assert named[-1] in ("发布", "到发布日自动发布", "审批通过并发布"), found.month
        assert [s["at"] for s in steps] == sorted(s["at"] for s in steps), found.month
        # Dated when it was published (a live service writes its audit row a moment later).
        assert abs(steps[-1]["at"] - found.published_at) < timedelta(minutes=1), found.month
    assert any(s["step"] == "退回修改" and s["note"] for f in lists for s in history[f.pk])


def test_demo_monthly_lists_are_in_every_state_with_their_review_history(demo):
    """This month's list in every community, one returned with the street's reason, one
    approved and waiting for its day, each with its 审批记录."""
    from django.utils import timezone

    from shequ.access.models import User
    from shequ.areas.models import Area
    from shequ.tasks.models import ListStatus, MonthlyList, TaskStatus
    from shequ.tasks.selectors import list_history

    lists = MonthlyList.objects.filter(area_path__startswith=LONGTANZI)
    assert set(lists.values_list("status", flat=True)) == set(ListStatus.values)
    today = timezone.localdate()
    this_month = lists.filter(month=f"{today:%Y%m}")
    communities = Area.objects.filter(kind="community", path__startswith=LONGTANZI)
    assert this_month.count() == communities.count() == 5
    assert not this_month.filter(publish_on__lte=today).exclude(status=ListStatus.PUBLISHED).exists()
    returned = lists.get(status=ListStatus.DRAFT)
    assert returned.return_reason
    waiting = lists.get(status=ListStatus.APPROVED)
    assert waiting.publish_on > today and waiting.approved_by is not None
    assert set(waiting.tasks.values_list("status", flat=True)) == {TaskStatus.SCHEDULED}
    history = list_history(User.objects.get(username="longtanzi_admin"), [returned, waiting])
    assert [s["step"] for s in history[returned.pk]][-1] == "退回修改"
    assert history[returned.pk][-1]["note"] == returned.return_reason
    assert [s["step"] for s in history[waiting.pk]] == ["新建", "报街道审批", "审批通过"]


def test_demo_tasks_in_every_state_a_reversal_boards_everywhere_and_the_ledger_balances(demo):
    from django.db.models import OuterRef, Subquery, Sum
    from django.utils import timezone

    from shequ.areas.models import Area
    from shequ.points import services as points
    from shequ.points.models import Account, AccountKind, Entry, Order, OrderStatus, StoreItem, Transaction
    from shequ.tasks.models import Task, TaskStatus

    tasks = Task.objects.filter(area_path__startswith=LONGTANZI)
    assert set(tasks.values_list("status", flat=True)) == set(TaskStatus.values)
    reversal = Transaction.objects.get(kind="reversal", area_path__startswith=LONGTANZI)
    assert reversal.reverses is not None and reversal.reverses.kind == "award"
    assert "冲正" in reversal.memo and "物业" in reversal.memo
    for community in Area.objects.filter(kind="community", path__startswith=LONGTANZI):
        board = tasks.filter(
            community_path=community.path, status=TaskStatus.PUBLISHED, deadline__gt=timezone.now()
        )
        assert board.filter(monthly_list__isnull=True).count() >= 3, community.name
        assert board.filter(claims__status="accepted").exists(), community.name
        orders = Order.objects.filter(
            area_path__startswith=community.path, created_at__date=timezone.localdate()
        )
        assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values), community.name
    assert points.unbalanced_transactions() == []
    sums = Entry.objects.filter(account=OuterRef("pk")).order_by().values("account").annotate(s=Sum("amount"))
    accounts = Account.objects.filter(area_path__startswith=LONGTANZI).annotate(
        true=Subquery(sums.values("s"))
    )
    assert accounts.count() > 100
    for account in accounts:
        assert account.balance == (account.true or 0), account.name
        assert account.kind == AccountKind.ISSUER or account.balance >= 0, account.name
    assert not StoreItem.objects.filter(area_path__startswith=LONGTANZI, stock__lt=0).exists()


def test_demo_named_unit_team_and_party_logins_each_find_their_part(demo, client):
    """龙滩园's unit contact, team member and party member sign in with the demo password,
    are listed, and find on their first pages a targeted task open to them (told to them
    when it was published), their points and an order."""
    from django.utils import timezone

    from shequ.access.models import User
    from shequ.demo.generator import DEMO_PASSWORD, demo_accounts
    from shequ.notifications.models import Notification
    from shequ.points.models import Account, AccountKind, Order, ServiceRecord
    from shequ.points.selectors import current_quarter, ranking
    from shequ.tasks.models import Task, TaskStatus
    from shequ.tasks.selectors import claim_unit

    names = ("longtanyuan_unit", "longtanyuan_team", "longtanyuan_party")
    listed = {a.username for a in demo_accounts()}
    users = {}
    for name in names:
        user = User.objects.select_related("resident").get(username=name)
        assert user.check_password(DEMO_PASSWORD) and name in listed, name
        users[name] = user
    open_now = Task.objects.filter(
        community_path="/500111003/500111003001/", status=TaskStatus.PUBLISHED, deadline__gt=timezone.now()
    )
    for name, aimed in (
        ("longtanyuan_unit", open_now.filter(target_units__members=users["longtanyuan_unit"])),
        (
            "longtanyuan_team",
            open_now.filter(target_teams__members__resident=users["longtanyuan_team"].resident),
        ),
    ):
        task = aimed.first()
        assert task is not None and task.places_left > 0, name
        assert claim_unit(users[name], task)[0], name
        assert Notification.objects.filter(user=users[name], link=f"/tasks/{task.pk}/").exists(), name
        client.force_login(users[name])
        assert task.title in client.get("/tasks/").content.decode(), name
    unit_account = Account.objects.get(unit=users["longtanyuan_unit"].partner_units.get())
    assert unit_account.balance > 0
    client.force_login(users["longtanyuan_unit"])
    page = client.get("/points/").content.decode()
    assert f'id="unit-balance-{unit_account.pk}">{unit_account.balance}</b>' in page
    party = users["longtanyuan_party"]
    assert party.resident is not None and party.resident.party_member_kind
    assert ServiceRecord.objects.filter(member=party).count() >= 12
    account = Account.objects.get(user=party, kind=AccountKind.PARTY_MEMBER)
    assert account.balance > 0
    quarter = current_quarter(timezone.localdate())
    assert account.pk in {r.account_id for r in ranking(account.area, AccountKind.PARTY_MEMBER, *quarter)}
    client.force_login(party)
    page = client.get("/points/").content.decode()
    assert f'<b id="balance">{account.balance}</b>' in page and "党员服务积分" in page
    order = Order.objects.get(user=party, status="shipped")
    assert order.tracking_no in client.get("/points/orders/").content.decode()


def test_demo_communities_have_sent_their_monthly_reports(demo, client):
    """Last month every community of a street but one sent its report, one after the 25th;
    this month two have so far, and the street admin sees each community's state."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.access.models import User
    from shequ.problems.models import ReportRun

    local = timezone.localtime(timezone.now())
    last = f"{local.replace(day=1) - timedelta(days=1):%Y%m}"
    street = Area.objects.get(code="500111003")
    communities = Area.objects.filter(parent=street, kind="community").count()
    sent = ReportRun.objects.filter(area_path__startswith=street.path, month=last, submitted_at__isnull=False)
    assert sent.count() == communities - 1 and all(r.status == "done" and r.xlsx_file for r in sent)
    assert sum(timezone.localtime(r.submitted_at).day > 25 for r in sent) == 1
    now = ReportRun.objects.filter(area_path__startswith=street.path, month=f"{local:%Y%m}")
    assert now.filter(submitted_at__isnull=False).count() == 2
    client.force_login(User.objects.get(username="longtanzi_admin"))
    page = client.get("/problems/reports/", {"month": last}).content.decode()
    table = page[page.index('id="submissions"') :]
    assert table.count("按时报送") == communities - 2 and table.count("逾期报送") == 1
    assert table.count("未报送（已逾期）") == 1
