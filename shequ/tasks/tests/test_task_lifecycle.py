"""The task list: publish, claim, prove, accept or return, withdraw — places, deadline,
the per-person cap, and at most one award per task and person."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from shequ.core.errors import NotFound, ValidationFailed
from shequ.notifications.models import Notification
from shequ.points.models import Account, Entry
from shequ.tasks import selectors, services
from shequ.tasks.models import Award, Claim, ClaimStatus, TaskStatus
from shequ.tasks.selectors import board, get_task
from shequ.tasks.tests.helpers import act, make_task, prove, task_input

pytestmark = pytest.mark.django_db


def test_the_whole_life_of_a_task(world):
    resident, grid_worker = world.resident_wang, world.grid_worker_li
    task = make_task(world)
    assert task.status == TaskStatus.PUBLISHED and task.points == 5
    claim = services.claim_task(resident, task.pk)
    assert claim.status == ClaimStatus.CLAIMED
    task.refresh_from_db()
    assert task.filled == 1
    claim = prove(resident, claim)
    assert claim.status == ClaimStatus.SUBMITTED and claim.proofs.count() == 1
    assert Notification.objects.filter(user=grid_worker, link=f"/tasks/claims/{claim.pk}/").exists()
    claim = act(grid_worker, claim, "return", note="照片看不清灯是否亮了")
    assert (claim.status, claim.return_reason) == (ClaimStatus.RETURNED, "照片看不清灯是否亮了")
    claim = prove(resident, claim, note="重新拍了开灯后的照片")
    claim = act(grid_worker, claim, "accept")
    assert claim.status == ClaimStatus.ACCEPTED
    account = Account.objects.get(user=resident)
    assert account.balance == 5
    award = Award.objects.get(claim=claim)
    assert award.transaction.task_id == task.pk
    assert sum(e.amount for e in award.transaction.entries.all()) == 0
    assert list(claim.events.values_list("action", flat=True)) == [
        "claim",
        "submit",
        "return",
        "submit",
        "accept",
    ]
    assert Notification.objects.filter(user=resident, text__contains="获得 5 积分").exists()


def test_return_needs_a_reason_and_nobody_accepts_their_own_claim(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    with pytest.raises(ValidationFailed) as exc:
        act(world.grid_worker_li, claim, "return")
    assert exc.value.fields == {"note": "退回需要填写原因"}
    # A reason too long for the claim's column is named, not cut short mid-word.
    with pytest.raises(ValidationFailed) as exc:
        act(world.grid_worker_li, claim, "return", note="照片看不清" * 41)
    assert exc.value.fields == {"note": "退回原因不能超过 200 个字（现在 205 个字）"}
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED
    with pytest.raises(ValidationFailed, match="无权"):
        act(world.resident_wang, claim, "accept")


def test_places_are_never_exceeded(world):
    task = make_task(world, places=1)
    services.claim_task(world.resident_wang, task.pk)
    neighbour = world.users["resident@A1-1-h2"]
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(neighbour, task.pk)
    assert exc.value.fields == {"places": "名额已满"}


def test_no_double_claim_and_a_withdrawn_place_is_free_again(world):
    task = make_task(world, places=1)
    claim = services.claim_task(world.resident_wang, task.pk)
    # A repeat gets the same claim back and takes no second place.
    assert services.claim_task_once(world.resident_wang, task.pk) == (claim, False)
    task.refresh_from_db()
    assert task.filled == 1 and task.claims.count() == 1
    act(world.resident_wang, claim, "withdraw")
    task.refresh_from_db()
    assert task.filled == 0
    again = services.claim_task(world.users["resident@A1-1-h2"], task.pk)
    assert again.status == ClaimStatus.CLAIMED


def test_the_database_refuses_a_second_live_claim(world):
    from shequ.tasks.models import Claim

    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            task=task, user=world.resident_wang, area_path=task.area_path, claimed_at=claim.claimed_at
        )


def test_withdraw_only_before_proof(world):
    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    with pytest.raises(ValidationFailed, match="不能进行“撤回接单”"):
        act(world.resident_wang, claim, "withdraw")


def test_deadline_is_enforced(world):
    task = make_task(world)
    from shequ.tasks.models import Task

    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(world.resident_wang, task.pk)
    assert exc.value.fields == {"deadline": "任务已过截止时间，不能接单"}


def test_a_deadline_in_the_past_is_refused_when_creating(world):
    with pytest.raises(ValidationFailed) as exc:
        make_task(world, deadline=timezone.now() - timedelta(hours=1))
    assert exc.value.fields["deadline"] == "截止时间必须晚于现在"


@override_settings(TASK_OPEN_CLAIM_CAP=2)
def test_the_open_claim_cap_is_enforced(world):
    tasks = [make_task(world, title=f"任务{i}") for i in range(3)]
    services.claim_task(world.resident_wang, tasks[0].pk)
    services.claim_task(world.resident_wang, tasks[1].pk)
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(world.resident_wang, tasks[2].pk)
    assert "最多同时进行 2 个" in exc.value.fields["task"]
    # The task's page says so before the tap, instead of offering 接单.
    from shequ.testing.clients import client_for

    page = client_for(world.resident_wang).get(f"/tasks/{tasks[2].pk}/").content.decode()
    assert 'class="claim"' not in page and "您已有 2 个进行中的任务（最多 2 个）" in page


def test_at_most_one_award_per_task_and_person(world):
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    claim = act(world.grid_worker_li, prove(world.resident_wang, claim), "accept")
    # After the award the person cannot take the task again (a repeat gets the claim)...
    assert services.claim_task_once(world.resident_wang, task.pk) == (claim, False)
    assert task.claims.count() == 1
    # ...and the database refuses a second award row whatever the code does: a fresh
    # (withdrawn) claim and a fresh transaction, so only the per-person rule can refuse it.
    award = Award.objects.get(claim=claim)
    again = Claim.objects.create(
        task=task,
        user=world.resident_wang,
        area_path=task.area_path,
        claimed_at=award.at,
        status=ClaimStatus.WITHDRAWN,
    )
    refused = "award_one_per_task_person|tasks_award.task_id, tasks_award.user_id"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        Award.objects.create(
            task=task,
            user=world.resident_wang,
            claim=again,
            points=5,
            transaction=_fresh_txn(world),
            at=award.at,
        )
    assert Entry.objects.filter(transaction__task=task, amount__gt=0).count() == 1


def test_residents_see_only_published_public_tasks_of_their_community(world):
    mine = make_task(world)
    draft = make_task(world, publish=False, title="草稿任务")
    other = make_task(world, actor=world.outsider_zhao, key="B1-1", title="外社区任务")
    listed = set(board(world.resident_wang).values_list("pk", flat=True))
    assert mine.pk in listed and draft.pk not in listed and other.pk not in listed
    with pytest.raises(NotFound):
        get_task(world.resident_wang, other.pk)
    with pytest.raises(NotFound):
        services.claim_task(world.resident_wang, draft.pk)


def test_targeted_tasks_go_to_the_chosen_unit_only(world):
    unit = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(
            name="区供电所", kind="department", area=world.areas["A1"].code, contact_phone="13800138000"
        ),
    )
    assert unit.contact_phone_masked == "138****8000" and "13800138000" not in unit.contact_phone_enc
    partner = world.users["partner_unit@A1"]
    services.add_unit_member(world.secretary_zhang, unit.pk, partner)
    task = make_task(
        world,
        key="A1",
        title="配电箱检修",
        category="power_maintenance",
        audience="targeted",
        target_units=[unit.pk],
    )
    with pytest.raises(NotFound):
        services.claim_task(world.resident_wang, task.pk)
    claim = services.claim_task(partner, task.pk)
    assert claim.unit_id == unit.pk
    claim = prove(partner, claim)
    act(world.secretary_zhang, claim, "accept")
    assert Account.objects.get(unit=unit).balance == 5


def test_a_problem_becomes_a_task_linked_both_ways(world):
    from shequ.problems.tests.helpers import report

    problem = report(world)
    task = make_task(world, publish=False, problem=problem.pk)
    assert task.problem_id == problem.pk
    assert list(problem.tasks.values_list("pk", flat=True)) == [task.pk]
    assert problem.events.filter(action="to_task").exists()


def test_outsider_cannot_create_tasks_here(world):
    with pytest.raises(ValidationFailed) as exc:
        make_task(world, actor=world.outsider_zhao)
    assert exc.value.fields["area"] == "只能在您管辖的社区发布任务"


def test_monthly_list_needs_street_approval_and_publishes_on_its_day(world):
    today = timezone.localdate()
    month = f"{today + timedelta(days=2):%Y%m}"  # the publish day lies in the list's month
    monthly = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, month, publish_on=today + timedelta(days=2)
    )
    task = make_task(world, publish=False, monthly_list=monthly.pk)
    with pytest.raises(ValidationFailed, match="无权"):
        services.transition_list(world.secretary_zhang, monthly.pk, "approve")
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    with pytest.raises(ValidationFailed) as exc:
        services.transition_list(world.street_chen, monthly.pk, "return")
    assert exc.value.fields == {"note": "“退回修改”需要填写说明"}
    with pytest.raises(ValidationFailed) as exc:
        services.transition_list(world.street_chen, monthly.pk, "return", "请补充地点" * 41)
    assert exc.value.fields == {"note": "退回原因不能超过 200 个字（现在 205 个字）"}
    monthly = services.transition_list(world.street_chen, monthly.pk, "approve")
    task.refresh_from_db()
    assert task.status == TaskStatus.SCHEDULED
    assert services.publish_due_lists(today) == 0
    assert services.publish_due_lists(today + timedelta(days=2)) == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.PUBLISHED


@pytest.mark.parametrize("late", [0, 3], ids=["on_its_day", "days_after_it"])
def test_a_list_approved_on_or_after_its_publish_day_is_published_at_once(world, late):
    """The publishing job runs once a night; a list the street approves on its day (or
    later) opens its tasks now instead of a day later."""
    from shequ.tasks.models import ListStatus, MonthlyList

    today = timezone.localdate()
    monthly = services.create_monthly_list(
        world.secretary_zhang, world.areas["A1"].code, f"{today:%Y%m}", publish_on=today
    )
    task = make_task(world, publish=False, monthly_list=monthly.pk)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    MonthlyList.objects.filter(pk=monthly.pk).update(publish_on=today - timedelta(days=late))
    monthly = services.transition_list(world.street_chen, monthly.pk, "approve")
    task.refresh_from_db()
    assert (monthly.status, task.status) == (ListStatus.PUBLISHED, TaskStatus.PUBLISHED)
    assert monthly.published_at is not None and task.published_at is not None
    told = Notification.objects.filter(user=world.secretary_zhang).order_by("-id").first()
    assert told is not None and "已发布" in told.text
    assert services.publish_due_lists(today) == 0


@pytest.mark.parametrize("approve", [False, True], ids=["draft", "approved"])
def test_a_task_in_a_monthly_list_is_published_only_by_its_list(world, approve):
    today = timezone.localdate()
    monthly = services.create_monthly_list(
        world.secretary_zhang,
        world.areas["A1"].code,
        f"{today + timedelta(days=2):%Y%m}",
        publish_on=today + timedelta(days=2),
    )
    task = make_task(world, publish=False, monthly_list=monthly.pk)
    if approve:
        services.transition_list(world.secretary_zhang, monthly.pk, "submit")
        services.transition_list(world.street_chen, monthly.pk, "approve")
    with pytest.raises(ValidationFailed) as exc:
        services.transition_task(world.secretary_zhang, task.pk, "publish")
    assert list(exc.value.fields) == ["monthly_list"] and "月度任务清单" in exc.value.fields["monthly_list"]
    task.refresh_from_db()
    assert task.status == (TaskStatus.SCHEDULED if approve else TaskStatus.DRAFT)
    assert "publish" not in dict(selectors.task_actions(world.secretary_zhang, task))


def _listed_draft(world):
    """A draft monthly list publishing in two days, and a draft task in it."""
    today = timezone.localdate()
    monthly = services.create_monthly_list(
        world.secretary_zhang,
        world.areas["A1"].code,
        f"{today + timedelta(days=2):%Y%m}",
        publish_on=today + timedelta(days=2),
    )
    return monthly, make_task(world, publish=False, monthly_list=monthly.pk)


def test_a_task_cannot_be_edited_while_its_list_is_under_review(world):
    monthly, task = _listed_draft(world)
    # While the list is a draft, an edit without a list keeps the task in its list.
    task = services.update_task(world.secretary_zhang, task.pk, task_input(task, title="更换楼道灯泡两只"))
    assert task.monthly_list_id == monthly.pk and task.title == "更换楼道灯泡两只"
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    with pytest.raises(ValidationFailed) as exc:
        services.update_task(world.secretary_zhang, task.pk, task_input(task, difficulty="hard"))
    assert list(exc.value.fields) == ["monthly_list"] and "已报审" in exc.value.fields["monthly_list"]
    task.refresh_from_db()
    easy = settings.TASK_POINTS["easy"]
    assert (task.monthly_list_id, task.difficulty, task.points) == (monthly.pk, "easy", easy)
    # Returned for changes, the list is a draft again and its tasks can be edited.
    services.transition_list(world.street_chen, monthly.pk, "return", "请补充地点")
    task = services.update_task(world.secretary_zhang, task.pk, task_input(task, difficulty="hard"))
    assert task.monthly_list_id == monthly.pk and task.difficulty == "hard"


def test_a_unit_is_paid_once_per_task_however_many_members_claim_it(world):
    from shequ.access.services import add_user

    unit = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(name="区供电所", kind="department", area=world.areas["A1"].code),
    )
    first = world.users["partner_unit@A1"]
    second = add_user(
        "partner-two",
        "pass-2026-xyz",
        role="partner_unit",
        area_code=world.areas["A1"].code,
        check_password=False,
    )
    for member in (first, second):
        services.add_unit_member(world.secretary_zhang, unit.pk, member)
    task = make_task(
        world,
        key="A1",
        title="配电箱检修",
        category="power_maintenance",
        audience="targeted",
        target_units=[unit.pk],
    )
    claim = prove(first, services.claim_task(first, task.pk))
    assert claim.unit_id == unit.pk
    # The second member is refused at 接单 (test_unit_claims), before doing the work.
    with pytest.raises(ValidationFailed):
        services.claim_task(second, task.pk)
    act(world.secretary_zhang, claim, "accept")
    with pytest.raises(ValidationFailed) as exc:
        services.claim_task(second, task.pk)
    assert exc.value.fields == {"task": "您的单位已完成过这个任务并获得积分"}
    assert Account.objects.get(unit=unit).balance == task.points
    assert Award.objects.filter(task=task, unit=unit).count() == 1
    # And the database refuses a second award to the unit whatever the code does.
    award = Award.objects.get(task=task)
    other = services.claim_task(world.resident_wang, make_task(world, key="A1-1").pk)
    refused = "award_one_per_task_unit|tasks_award.task_id, tasks_award.unit_id"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        Award.objects.create(
            task=task,
            user=second,
            unit=unit,
            claim=other,
            points=1,
            transaction=_fresh_txn(world),
            at=award.at,
        )


def _fresh_txn(world):
    """A transaction row no award uses yet (an opening balance)."""
    from shequ.points.tests.helpers import fund

    return fund(world, world.resident_wang, 1)


def test_closing_a_task_ends_claims_without_proof_and_keeps_proof_for_review(world):
    task = make_task(world, places=3)
    idle = services.claim_task(world.resident_wang, task.pk)
    neighbour = world.users["resident@A1-1-h2"]
    proved = prove(neighbour, services.claim_task(neighbour, task.pk))
    with pytest.raises(ValidationFailed, match="需要填写说明"):
        services.transition_task(world.secretary_zhang, task.pk, "close")
    task = services.transition_task(world.secretary_zhang, task.pk, "close", "活动结束")
    assert (task.status, task.filled) == (TaskStatus.CLOSED, 1)  # the idle place given back
    idle.refresh_from_db()
    assert idle.status == ClaimStatus.WITHDRAWN
    assert (
        list(idle.events.values_list("note", flat=True))[-1]
        == "任务已结束，未提交凭证的接单自动撤回。结束原因：活动结束"
    )
    assert Notification.objects.filter(user=world.resident_wang, text__contains="已结束").exists()
    # Proof given before the close is still reviewed; returned, the claim ends with it
    # (it could not be proved again) and holds none of the person's open places.
    proved = act(world.grid_worker_li, proved, "return", note="照片不清楚")
    assert proved.status == ClaimStatus.WITHDRAWN
    task.refresh_from_db()
    assert task.filled == 0  # its place given back, as a withdrawal's is
    with pytest.raises(ValidationFailed, match="不能进行"):
        prove(neighbour, proved)
    assert selectors.open_claim_count(world.resident_wang) == 0
    assert selectors.open_claim_count(neighbour) == 0
    assert Notification.objects.filter(user=neighbour, text__contains="任务已结束，接单随之结束").exists()


def test_the_grid_worker_accepts_proof_of_a_community_task_from_their_grid(world):
    from shequ.tasks.selectors import acceptance_queue

    task = make_task(world, key="A1")  # set for the whole community
    mine = services.claim_task(world.resident_wang, task.pk)  # lives in grid A1-1
    assert mine.area_path == world.resident_wang.resident.area_path
    prove(world.resident_wang, mine)
    # The grid worker of the claimant's grid is told, finds it in the queue and accepts it.
    assert Notification.objects.filter(user=world.grid_worker_li, link=f"/tasks/claims/{mine.pk}/").exists()
    assert mine.pk in set(acceptance_queue(world.grid_worker_li).values_list("pk", flat=True))
    assert mine.pk in set(acceptance_queue(world.secretary_zhang).values_list("pk", flat=True))
    other_grid = world.users["grid_worker@A1-2"]
    assert mine.pk not in set(acceptance_queue(other_grid).values_list("pk", flat=True))
    assert act(world.grid_worker_li, mine, "accept").status == "accepted"
    # They may open the task the claim is for; so may the other grid's worker, as the
    # community's open public task is on every grid worker's board, but not the claim.
    assert selectors.get_task(world.grid_worker_li, task.pk) == task
    assert selectors.get_task(other_grid, task.pk) == task
    with pytest.raises(NotFound):
        selectors.get_claim(other_grid, mine.pk)


def test_a_task_cannot_be_cancelled_while_its_list_is_under_review(world):
    monthly, task = _listed_draft(world)
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    with pytest.raises(ValidationFailed) as exc:
        services.transition_task(world.secretary_zhang, task.pk, "cancel", "不需要了")
    assert "正在街道审批" in exc.value.fields["monthly_list"]
    services.transition_list(world.street_chen, monthly.pk, "return", "请补充地点")
    cancelled = services.transition_task(world.secretary_zhang, task.pk, "cancel", "不需要了")
    assert cancelled.status == "cancelled"


def test_a_task_title_with_a_phone_number_in_it_is_refused(world):
    """The title is shown in full on the board, the page's title and in notices: a phone
    typed into it reached every resident unmasked."""
    with pytest.raises(ValidationFailed) as exc:
        make_task(world, title="楼道清理 联系王师傅13912345678")
    assert "标题会公开显示" in exc.value.fields["title"]
    assert make_task(world, title="清理3号楼楼道杂物").title == "清理3号楼楼道杂物"


def test_withdrawing_a_claim_is_a_deliberate_second_step(world):
    """撤回接单 was one tap just under 提交凭证."""
    from shequ.testing.clients import client_for

    claim = services.claim_task(world.resident_wang, make_task(world).pk)
    page = client_for(world.resident_wang).get(f"/tasks/claims/{claim.pk}/").content.decode()
    step = page.split("<summary>不做了？撤回接单</summary>", 1)
    assert len(step) == 2 and 'value="withdraw"' in step[1].split("</details>", 1)[0]


def test_accepting_from_a_page_opened_before_a_new_proof_is_refused(world):
    """The grid worker had the claim open on proof 1; the secretary returned it and the
    resident sent proof 2; 验收通过 on the old page accepted a proof never seen."""
    import re

    from shequ.testing.clients import client_for

    task = make_task(world)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    grid = client_for(world.grid_worker_li)
    page = grid.get(f"/tasks/claims/{claim.pk}/").content.decode()
    opened = re.search(r'name="seen" value="(\d+)"', page)
    assert opened is not None
    act(world.secretary_zhang, claim, "return", note="照片看不清")
    prove(world.resident_wang, claim, note="重新拍了")
    r = grid.post(f"/tasks/claims/{claim.pk}/act/", {"action": "accept", "seen": opened.group(1)})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert r.status_code == 409 and "提交完成凭证" in r.content.decode()
    fresh = re.search(r'name="seen" value="(\d+)"', r.content.decode())
    assert fresh is not None and fresh.group(1) != opened.group(1)
    grid.post(f"/tasks/claims/{claim.pk}/act/", {"action": "accept", "seen": fresh.group(1)})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED


def test_a_long_end_reason_never_cuts_off_that_the_claim_was_withdrawn(world):
    """Notices are cut at 300 characters: a long title and reason cut off "您的接单已撤回",
    and the API took a reason of any length."""
    task = make_task(world)
    services.claim_task(world.resident_wang, task.pk)
    with pytest.raises(ValidationFailed, match="结束原因不能超过 200 个字"):
        services.transition_task(world.secretary_zhang, task.pk, "close", "因天气原因活动取消，" * 30)
    services.transition_task(world.secretary_zhang, task.pk, "close", "因天气原因活动取消，" * 19)
    notices = Notification.objects.filter(user=world.resident_wang).order_by("-id")
    assert notices.values_list("text", flat=True)[0].startswith("您的接单已撤回：任务“")


def test_a_member_who_leaves_the_unit_frees_its_place_and_a_stopped_account_its_claims(world):
    """A member removed from a partner unit held the unit's one claim of its targeted task:
    the others were refused (已接了这个任务) and staff could not withdraw it."""
    from shequ.access.models import User
    from shequ.access.roles import Role
    from shequ.access.services import add_user, deactivate_user
    from shequ.tasks.models import ClaimStatus
    from shequ.tasks.tests.helpers import unit_task, unit_with_member

    unit, leaver = unit_with_member(world)
    stayer = add_user(
        "unit-member-2", "x", role=Role.PARTNER_UNIT, area_code=world.areas["A1"].code, check_password=False
    )
    services.add_unit_member(world.secretary_zhang, unit.pk, stayer)
    task = unit_task(world, unit)
    claim = services.claim_task(leaver, task.pk)
    services.remove_unit_member(world.secretary_zhang, unit.pk, leaver.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    # The one who left is told (they may be on their way to do it).
    told = Notification.objects.filter(user=leaver, link=f"/tasks/claims/{claim.pk}/").values_list(
        "text", flat=True
    )
    assert [t for t in told if t.startswith("您的接单已撤回") and "不再代表该单位" in t]
    assert services.claim_task(stayer, task.pk).status == ClaimStatus.CLAIMED
    # A stopped account's own claims go back as well; proof already sent stays for review.
    other = make_task(world, places=3)
    kept = prove(world.resident_wang, services.claim_task(world.resident_wang, make_task(world).pk))
    idle = services.claim_task(world.resident_wang, other.pk)
    deactivate_user(User.objects.get(pk=world.resident_wang.pk))
    idle.refresh_from_db()
    kept.refresh_from_db()
    assert (idle.status, kept.status) == (ClaimStatus.WITHDRAWN, ClaimStatus.SUBMITTED)
    # A stopped account is not sent a notice it can no longer read.
    assert not Notification.objects.filter(
        user=world.resident_wang, link=f"/tasks/claims/{idle.pk}/"
    ).exists()
