from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from shequ.core.errors import Conflict, NotFound, ValidationFailed
from shequ.notifications.models import Notification
from shequ.problems import services
from shequ.problems.lifecycle import TRANSITIONS
from shequ.problems.models import AgendaItem, Problem, Status
from shequ.problems.selectors import actions_for, agenda_items, my_problems, problem_list
from shequ.problems.tests.helpers import act, jpeg, report

pytestmark = pytest.mark.django_db


def test_the_whole_life_of_a_problem(world):
    staff = world.users["community_staff@A1"]
    p = report(world, photos=[jpeg()])
    assert (p.status, p.area.code, p.handling_level) == (
        Status.REPORTED,
        world.areas["A1-1"].code,
        "community",
    )
    assert Notification.objects.filter(user=staff, link=f"/problems/{p.pk}/").exists()
    act(world, staff, p, "accept")
    p = act(world, staff, p, "dispatch")
    assert p.status == Status.DISPATCHED and p.due_at - p.dispatched_at == timedelta(hours=24)
    assert p.assignee == staff  # community staff answer for 管道堵塞
    act(world, staff, p, "start")
    with pytest.raises(ValidationFailed, match="至少一张处置照片"):
        act(world, staff, p, "report_back", note="已疏通")
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    p = act(world, world.secretary_zhang, p, "verify_fail", note="仍有积水")
    assert (p.status, p.rework_count) == (Status.IN_PROGRESS, 1)
    act(world, staff, p, "report_back", note="再次疏通", photos=[jpeg()])
    p = act(world, world.secretary_zhang, p, "verify_pass")
    assert p.status == Status.CLOSED and p.closed_at is not None
    assert Notification.objects.filter(user=world.resident_wang, text__contains="核查通过并结案").exists()
    p = act(world, world.resident_wang, p, "evaluate", resolved=True, satisfaction=5)
    assert (p.status, p.satisfaction, p.resolved) == (Status.EVALUATED, 5, True)
    rated = Notification.objects.filter(
        link=f"/problems/{p.pk}/", text__contains="回访评价（已解决，满意度5星）"
    )
    assert set(rated.values_list("user", flat=True)) == {staff.pk}  # a good rating: the assignee
    actions = list(p.events.values_list("action", flat=True))
    assert actions == [
        "report",
        "accept",
        "dispatch",
        "start",
        "report_back",
        "verify_fail",
        "report_back",
        "verify_pass",
        "evaluate",
    ]
    assert p.photos.count() == 3


def test_a_low_rating_reaches_the_verifiers_not_only_the_assignee(world):
    """未解决 and one star told the 承办人 alone, and only that it was rated: nobody
    answerable for the check heard that the resident was not satisfied."""
    staff, li = world.users["community_staff@A1"], world.grid_worker_li
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, li, p, "start")
    act(world, li, p, "report_back", note="已清运", photos=[jpeg()])
    p = act(world, staff, p, "verify_pass")
    act(world, world.resident_wang, p, "evaluate", resolved=False, satisfaction=1)
    rated = Notification.objects.filter(
        link=f"/problems/{p.pk}/", text__contains="回访评价（未解决，满意度1星）"
    )
    told = set(rated.values_list("user", flat=True))
    assert li.pk in told and staff.pk in told and world.secretary_zhang.pk in told


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_action_is_refused_from_a_state_it_does_not_leave(world, action):
    p = report(world)
    rule = TRANSITIONS[action]
    if Status.REPORTED in rule.sources:
        return
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.street_chen, p, action, note="说明")
    assert (
        "问题当前为“已上报”，不能进行" in exc.value.fields["action"] or "无权" in exc.value.fields["action"]
    )


def test_reject_needs_a_reason_and_tells_the_reporter(world):
    p = report(world)
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.secretary_zhang, p, "reject")
    assert exc.value.fields == {"note": "“不予立案”需要填写说明"}
    # One character was refused as if nothing were written.
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.secretary_zhang, p, "reject", note="否")
    assert exc.value.fields == {"note": "“不予立案”的说明至少要 2 个字，您只填写了“否”"}
    act(world, world.secretary_zhang, p, "reject", note="不属于社区职责")
    assert Notification.objects.filter(user=world.resident_wang, text__contains="不属于社区职责").exists()


def test_a_resident_cannot_triage_and_an_outsider_cannot_see(world):
    p = report(world)
    with pytest.raises(ValidationFailed, match="无权"):
        act(world, world.resident_wang, p, "accept")
    with pytest.raises(NotFound):
        act(world, world.outsider_zhao, p, "accept")
    other = world.users["resident@A1-2-h1"]
    with pytest.raises(NotFound):
        act(world, other, p, "evaluate", resolved=True, satisfaction=1)


def test_override_of_the_proposed_level_needs_a_reason(world):
    p = report(world)
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.secretary_zhang, p, "accept", level="street")
    assert "请说明理由" in exc.value.fields["note"]
    p = act(world, world.secretary_zhang, p, "accept", level="street", note="涉及多个小区")
    assert (p.handling_level, p.responsible_role) == ("street", "street_office")


def test_escalation_goes_one_level_up_and_street_problems_join_the_agenda(world):
    p = report(world, category="neighbour_dispute")
    assert p.handling_level == "estate"
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.assignee == world.grid_worker_li
    p = act(world, world.grid_worker_li, p, "escalate", note="小区调解不成")
    assert (p.status, p.handling_level, p.assignee) == (Status.ACCEPTED, "community", None)
    p = act(world, world.secretary_zhang, p, "escalate", note="需街道协调")
    assert p.handling_level == "street"
    assert AgendaItem.objects.filter(problem=p, street=world.areas["A"]).exists()
    p = act(world, world.street_chen, p, "escalate", note="超出街道职能")
    assert p.handling_level == "department"
    # Neither offered on the page nor in the API's allowed actions, and refused if sent.
    assert "escalate" in TRANSITIONS and "escalate" not in dict(actions_for(world.street_chen, p))
    with pytest.raises(ValidationFailed, match="已是最高处置层级"):
        act(world, world.street_chen, p, "escalate", note="再上报")


def test_the_agenda_follows_the_problem_and_the_meeting_shows_on_its_timeline(world):
    """A problem closed since it was listed still read 待讨论 with its button; one sent
    down after the meeting and escalated again never came back on; and the meeting left no
    trace on the problem itself."""
    from shequ.problems.models import ProblemEvent
    from shequ.problems.tests.helpers import jpeg
    from shequ.testing.clients import client_for

    staff, street = world.users["community_staff@A1"], world.street_chen
    p = report(world, category="blocked_drain")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "escalate", note="社区解决不了")
    listed = ProblemEvent.objects.filter(problem=p, action="escalate").latest("id")
    assert listed.data.get("agenda") is True and listed.label == "上报上一级，列入联席会议议题"
    item = AgendaItem.objects.get(problem=p)
    services.mark_discussed(street, item.pk)
    step = ProblemEvent.objects.filter(problem=p, action="agenda_discussed").get()
    assert (step.actor_id, step.label) == (street.pk, "联席会议已讨论")
    assert "联席会议已讨论" in client_for(world.secretary_zhang).get(f"/problems/{p.pk}/").content.decode()
    # Dispatched at the street by the meeting's decision: its outcome, not a new item.
    act(world, street, p, "dispatch")
    item.refresh_from_db()
    assert item.discussed_at is not None
    p = act(world, world.secretary_zhang, p, "start")
    p = act(world, street, p, "escalate", note="街道协调不成，报职能部门")
    p = act(world, street, p, "dispatch", level="community", note="部门意见：由社区牵头")
    # Sent down (by the department here), then escalated again: back on the next agenda.
    p = act(world, staff, p, "escalate", note="部门未到场，仍无法解决")
    item.refresh_from_db()
    assert item.discussed_at is None
    page = client_for(street).get("/problems/agenda/").content.decode()
    row = page[page.index(p.number) : page.index("</tr>", page.index(p.number))]
    assert "待讨论" in row and "标记已讨论" in row
    # Closed before the meeting: said so, no button, listed after those still waiting.
    q = report(world, category="fire_lane")
    act(world, world.secretary_zhang, q, "accept")
    act(world, world.secretary_zhang, q, "dispatch")
    act(world, world.secretary_zhang, q, "start")
    act(world, world.secretary_zhang, q, "report_back", note="已清理", photos=[jpeg()])
    act(world, staff, q, "verify_pass")
    page = client_for(street).get("/problems/agenda/").content.decode()
    row = page[page.index(q.number) : page.index("</tr>", page.index(q.number))]
    assert "问题已结案，不需讨论" in row and "标记已讨论" not in row and "待讨论" not in row
    assert page.index(p.number) < page.index(q.number)
    # From a page loaded before it closed: refused, saying why, and nothing is written.
    stale = AgendaItem.objects.get(problem=q)
    r = client_for(street).post("/problems/agenda/", {"item": stale.pk})
    stale.refresh_from_db()
    assert r.status_code == 400 and f"问题{q.number}已结案，不需讨论" in r.content.decode()
    assert stale.discussed_at is None
    assert not ProblemEvent.objects.filter(problem=q, action="agenda_discussed").exists()


def test_a_grid_worker_cannot_push_the_communitys_problem_to_the_street(world):
    """上报上一级 is a level's own judgement: the grid worker of the place was offered it on
    a community-level problem held by community staff, and sent it to the street."""
    staff = world.users["community_staff@A1"]
    p = report(world, category="blocked_drain")  # community level (seed 004)
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.handling_level == "community" and p.assignee == staff
    assert "escalate" not in dict(actions_for(world.grid_worker_li, p))
    with pytest.raises(ValidationFailed, match="只有其承办人或该层级的工作人员可以上报上一级"):
        act(world, world.grid_worker_li, p, "escalate", note="网格解决不了")
    assert "escalate" in dict(actions_for(staff, p))
    p = act(world, staff, p, "escalate", note="社区解决不了")
    assert p.handling_level == "street"
    # At the street, the community's secretary (not its 承办人) does not send it on.
    assert "escalate" not in dict(actions_for(world.secretary_zhang, p))
    assert "escalate" in dict(actions_for(world.street_chen, p))


def test_two_staff_escalating_at_once_move_it_one_level(world, monkeypatch):
    """上报上一级 leaves the status as it is, so the second of two staff pressing it at the
    same moment passed the status check and pushed the problem past the street."""
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    seen = Problem.objects.get(pk=p.pk)  # what the second one's page showed (小区)
    act(world, world.secretary_zhang, p, "escalate", note="小区调解不成")
    monkeypatch.setattr(services, "get_problem", lambda actor, pk: seen)
    # The colleague's step is named (it was "问题状态已被他人更新", naming nothing).
    with pytest.raises(Conflict, match=f"已由{world.secretary_zhang}于.*进行了“上报上一级”"):
        act(world, world.users["community_staff@A1"], p, "escalate", note="小区调解不成")
    assert Problem.objects.get(pk=p.pk).handling_level == "community"


def test_department_dispatch_needs_the_department(world):
    p = report(world, category="river_management")
    act(world, world.street_chen, p, "accept")
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.street_chen, p, "dispatch")
    assert "responsible_party" in exc.value.fields
    # A name too long for its column is named, not cut short.
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.street_chen, p, "dispatch", responsible_party="区水利局" * 26)
    assert exc.value.fields == {"responsible_party": "责任单位不能超过 100 个字（现在 104 个字）"}
    assert Problem.objects.get(pk=p.pk).status == Status.ACCEPTED
    p = act(world, world.street_chen, p, "dispatch", responsible_party="区水利局")
    assert p.responsible_party == "区水利局" and p.due_at - p.dispatched_at == timedelta(days=15)


def _closed(world, days_ago=0):
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="好了", photos=[jpeg()])
    p = act(world, world.secretary_zhang, p, "verify_pass")
    Problem.objects.filter(pk=p.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    return p


def test_reopen_within_30_days_by_the_reporter_only(world):
    p = _closed(world, days_ago=29)
    with pytest.raises(ValidationFailed, match="无权"):
        act(world, world.secretary_zhang, p, "reopen", note="又堵了")
    p = act(world, world.resident_wang, p, "reopen", note="又堵了")
    assert (p.status, p.reopen_count, p.closed_at) == (Status.IN_PROGRESS, 1, None)


def test_the_handler_hears_the_work_passed_and_every_follower_hears_of_a_reopen(world):
    staff = world.users["community_staff@A1"]
    neighbour = world.users["resident@A1-1-h2"]
    p = report(world)
    act(world, world.secretary_zhang, report(world, actor=neighbour), "merge", into=p.pk)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="好了", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_pass")

    def told(user, words):
        mine = Notification.objects.filter(user=user, link=f"/problems/{p.pk}/")
        return mine.filter(text__contains=words).exists()

    assert told(staff, "核查通过") and told(neighbour, "核查通过")
    act(world, world.resident_wang, p, "reopen", note="又堵了")
    assert told(neighbour, "重新打开") and told(staff, "重新打开")
    assert not told(world.resident_wang, "重新打开")  # not of their own step


def test_reopen_after_30_days_is_refused(world):
    p = _closed(world, days_ago=31)
    with pytest.raises(ValidationFailed, match="结案超过30天"):
        act(world, world.resident_wang, p, "reopen", note="又堵了")


def test_evaluation_needs_both_answers(world):
    p = _closed(world)
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.resident_wang, p, "evaluate", satisfaction=9)
    assert set(exc.value.fields) == {"resolved", "satisfaction"}


def test_a_neighbours_report_is_never_merged_into_an_opinion_channel_report(world):
    """After a merge the duplicate's reporter follows the target and reads all of it: a
    民意直通车 report (which may name its writer) would be read by another resident. The
    other way round is fine, and so is a merge whose followers are staff."""
    private = report(world, source="opinion_channel", description="我是3号楼2单元王芳，物业长期不清运垃圾")
    neighbour = world.users["resident@A1-1-h2"]
    public = report(world, actor=neighbour)
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.secretary_zhang, public, "merge", into=private.pk)
    assert "可以反过来把它合并到本问题" in exc.value.fields["into"]
    assert not private.followers.filter(pk=neighbour.pk).exists()
    act(world, world.secretary_zhang, private, "merge", into=public.pk)
    assert world.resident_wang in public.followers.all()
    staff = world.users["community_staff@A1"]
    first = report(world, staff, source="hotline", hotline_order_no="MERGE-0001")
    second = report(world, staff, source="hotline", hotline_order_no="MERGE-0002")
    act(world, world.secretary_zhang, second, "merge", into=first.pk)
    assert Problem.objects.get(pk=second.pk).merged_into_id == first.pk


def test_merge_makes_the_reporter_follow_the_surviving_problem(world):
    first = report(world)
    other_resident = world.users["resident@A1-1-h2"]
    second = report(world, actor=other_resident)
    act(world, world.secretary_zhang, second, "merge", into=first.pk)
    assert Problem.objects.get(pk=second.pk).merged_into_id == first.pk
    assert first.pk in set(my_problems(other_resident).values_list("pk", flat=True))
    act(world, world.secretary_zhang, first, "accept")
    assert Notification.objects.filter(
        user=other_resident, link=f"/problems/{first.pk}/", text__contains="立案"
    ).exists()


def test_the_reporter_of_a_duplicate_rates_the_final_survivor_after_two_merges(world):
    """X merged into Y, then Y into Z: X's reporter followed Z and was told of its steps,
    but once it closed could neither rate nor reopen it."""
    from shequ.problems.tests.helpers import jpeg

    neighbour = world.users["resident@A1-1-h2"]
    x = report(world, actor=neighbour)
    y, z = report(world), report(world)
    staff, li = world.users["community_staff@A1"], world.grid_worker_li
    act(world, world.secretary_zhang, x, "merge", into=y.pk)
    act(world, world.secretary_zhang, y, "merge", into=z.pk)
    assert z.pk in set(my_problems(neighbour).values_list("pk", flat=True))
    act(world, staff, z, "accept")
    act(world, staff, z, "dispatch")
    act(world, li, z, "start")
    act(world, li, z, "report_back", note="已清理", photos=[jpeg()])
    z = act(world, staff, z, "verify_pass")
    assert {"evaluate", "reopen"} <= set(dict(actions_for(neighbour, z)))
    assert "evaluate" not in dict(actions_for(world.users["resident@A1-2-h1"], z))  # nobody else


def test_urge_counts_and_notifies_the_assignee(world):
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    p = act(world, world.secretary_zhang, p, "urge", note="请尽快处理")
    assert p.urge_count == 1
    assert Notification.objects.filter(user=world.grid_worker_li, text__contains="督办").exists()
    with pytest.raises(ValidationFailed, match="无权"):
        act(world, world.grid_worker_li, p, "urge")


def test_urging_shows_where_the_handler_works_and_in_the_api(world):
    """督办 was stored and read nowhere: the inbox, the board and the problem page looked the
    same after two urges, and the API had no such field."""
    from shequ.testing.clients import client_for

    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "dispatch")
    quiet = client_for(world.grid_worker_li).get("/problems/inbox/").content.decode()
    assert "督办" not in quiet
    for _ in range(2):
        p = act(world, world.street_chen, p, "urge", note="请尽快处理")
    li = client_for(world.grid_worker_li)
    inbox = li.get("/problems/inbox/").content.decode()
    card = inbox[inbox.index(p.number) - 600 : inbox.index(p.number)]
    assert '<span class="badge urged">督办×2</span>' in card
    assert "已督办2次" in li.get(f"/problems/{p.pk}/").content.decode()
    board = client_for(world.secretary_zhang).get("/problems/").content.decode()
    row = board[board.index(p.number) : board.index("</tr>", board.index(p.number))]
    assert "督办×2" in row
    assert li.get(f"/api/v1/problems/{p.pk}").json()["urge_count"] == 2


def test_urge_goes_to_whoever_the_problem_waits_on(world):
    staff, grid = world.users["community_staff@A1"], world.grid_worker_li

    def urged(user, p):
        return Notification.objects.filter(
            user=user, link=f"/problems/{p.pk}/", text__contains="督办"
        ).exists()

    # 立案 but not dispatched: the triage staff are urged to dispatch it.
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    act(world, world.secretary_zhang, p, "urge", note="请尽快派遣")
    assert urged(staff, p) and not urged(grid, p)
    # Reported back: the verifiers are urged to check it, not the worker who reported back.
    q = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, q, "accept")
    act(world, world.secretary_zhang, q, "dispatch")
    act(world, grid, q, "start")
    act(world, grid, q, "report_back", note="已调解", photos=[jpeg()])
    act(world, world.street_chen, q, "urge", note="尽快核查")
    assert urged(staff, q) and urged(world.secretary_zhang, q) and not urged(grid, q)


def test_overdue_is_computed_from_the_due_time(world):
    p = report(world, category="safety_hazard")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.due_at - p.dispatched_at == timedelta(hours=2)
    assert not p.overdue
    Problem.objects.filter(pk=p.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    p.refresh_from_db()
    assert p.overdue
    overdue = problem_list(
        world.secretary_zhang,
        __import__("shequ.problems.selectors", fromlist=["Filters"]).Filters(overdue=True),
    )
    assert p.pk in set(overdue.values_list("pk", flat=True))


def test_the_person_who_reported_back_cannot_verify_their_own_work(world):
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="好了", photos=[jpeg()])
    with pytest.raises(ValidationFailed, match="核查人不能是反馈处置结果的人"):
        act(world, staff, p, "verify_pass")
    assert act(world, world.secretary_zhang, p, "verify_pass").status == Status.CLOSED


def test_a_reopened_problem_gets_a_fresh_time_limit(world):
    p = _closed(world, days_ago=3)
    first = timezone.now() - timedelta(days=10)  # dispatched long before
    Problem.objects.filter(pk=p.pk).update(due_at=first + timedelta(days=1), dispatched_at=first)
    p = act(world, world.resident_wang, p, "reopen", note="又堵了")
    assert not p.overdue and p.due_at > timezone.now() + timedelta(hours=23)
    # Its fresh limit is not near its end: no 即将到期 the moment it is reopened.
    from shequ.problems.services import send_due_reminders

    send_due_reminders(now=timezone.now() + timedelta(minutes=1))
    assert not Notification.objects.filter(link=f"/problems/{p.pk}/", text__startswith="即将到期").exists()
    send_due_reminders(now=p.due_at - timedelta(minutes=30))
    assert Notification.objects.filter(link=f"/problems/{p.pk}/", text__startswith="即将到期").exists()


# Seed 004's examples (004_6e582914e595eab2.txt): 小问题不出小区、大问题不出社区.
SEED_004_ROUTES = {
    "neighbour_dispute": ("estate", "grid_leader", "grid_worker@A1-1"),
    "garbage": ("estate", "grid_leader", "grid_worker@A1-1"),
    "blocked_drain": ("community", "community_staff", "community_staff@A1"),
    "septic_tank": ("community", "community_staff", "community_staff@A1"),
    "employment_policy": ("community", "full_time_staff", "community_staff@A1"),
    "social_security_policy": ("community", "full_time_staff", "community_staff@A1"),
    "subsistence_policy": ("community", "full_time_staff", "community_staff@A1"),
    "pension_policy": ("community", "full_time_staff", "community_staff@A1"),
    # Street level: the community's secretary coordinates and files with the street.
    "property_management": ("street", "secretary", "community_secretary@A1"),
    "drinking_water": ("street", "secretary", "community_secretary@A1"),
    "fire_lane": ("street", "secretary", "community_secretary@A1"),
    "river_management": ("department", "department", "street_admin@A"),
    "forest_fire_lane": ("department", "department", "street_admin@A"),
    "road_expansion": ("department", "department", "street_admin@A"),
}


@pytest.mark.parametrize("code", sorted(SEED_004_ROUTES))
def test_each_seed_example_lands_on_its_level_and_responsible_party(world, code):
    level, role, holder = SEED_004_ROUTES[code]
    p = report(world, category=code)
    act(world, world.street_chen, p, "accept")
    p = act(
        world, world.street_chen, p, "dispatch", responsible_party="区水利局" if level == "department" else ""
    )
    area_kind = {"estate": "grid", "community": "community"}.get(level, "street")
    assert (p.handling_level, p.responsible_role, p.responsible_area.kind) == (level, role, area_kind)
    assert p.assignee == world.users[holder]


def test_a_hotline_order_is_entered_once_and_long_texts_are_refused(world):
    staff = world.users["community_staff@A1"]
    first = report(world, staff, source="hotline", hotline_order_no="CS-ONCE-0001")
    with pytest.raises(ValidationFailed) as refused:
        report(world, staff, source="hotline", hotline_order_no=" CS-ONCE-0001 ")
    assert first.number in refused.value.fields["hotline_order_no"]
    with pytest.raises(ValidationFailed) as refused:
        report(world, staff, source="hotline", hotline_order_no="G" * 41, address="长" * 201)
    assert "不能超过 40 个字" in refused.value.fields["hotline_order_no"]
    assert "不能超过 200 个字" in refused.value.fields["address"]
    # Another street's staff are told it was entered, not which problem it is.
    outsider = world.outsider_zhao
    with pytest.raises(ValidationFailed) as refused:
        report(world, outsider, key="B1-1", source="hotline", hotline_order_no="CS-ONCE-0001")
    assert first.number not in refused.value.fields["hotline_order_no"]
    assert "其他单位" in refused.value.fields["hotline_order_no"]
    # An order number sent with a resident's own report is not kept (it would block the order).
    assert report(world, hotline_order_no="CS-ONCE-0002").hotline_order_no == ""
    assert Problem.objects.filter(hotline_order_no__startswith="CS-ONCE").count() == 1
    # Kept in the 接诉即办 ledger whatever it is about (a blocked drain here).
    assert (first.category.code, first.ledger_type) == ("blocked_drain", "hotline")
    assert report(world, staff).ledger_type == first.category.ledger_type != "hotline"
    assert not Problem.objects.filter(hotline_order_no__startswith="GGGG").exists()


def test_imported_problems_still_open_at_the_street_are_on_the_agenda(world):
    """The demo's street office found its 联席会议 agenda empty though dozens of its
    imported problems were open at the street's level: the history import skipped it."""
    from shequ.problems.models import ProblemCategory
    from shequ.problems.services import HistoryEvent, HistoryRow, import_history

    staff, street = world.secretary_zhang, world.street_chen
    t0 = timezone.now() - timedelta(days=20)

    def row(category, steps):
        return HistoryRow(
            category=ProblemCategory.objects.get(code=category),
            description="历史台账中的问题",
            source="resident",
            area=world.areas["A1-1"],
            reporter=staff,
            reported_at=t0,
            events=[HistoryEvent(a, t0 + timedelta(hours=h), who) for a, h, who in steps],
        )

    escalated = [("accept", 1, staff), ("escalate", 2, staff), ("dispatch", 3, street)]
    rows = [
        row("blocked_drain", escalated),  # escalated to the street, still open
        row("property_management", [("accept", 1, staff), ("dispatch", 5, staff)]),  # street level
        row("blocked_drain", [("accept", 1, staff), ("dispatch", 2, staff)]),  # community level
        row(
            "property_management",  # at the street, but closed long ago
            [
                ("accept", 1, staff),
                ("dispatch", 2, staff),
                ("start", 3, staff),
                ("report_back", 4, staff),
                ("verify_pass", 5, street),
            ],
        ),
    ]
    assert import_history(rows) == 4
    made = list(Problem.objects.filter(description="历史台账中的问题").order_by("id"))
    on_agenda = {i.problem_id: i for i in AgendaItem.objects.filter(problem__in=made)}
    assert set(on_agenda) == {made[0].pk, made[1].pk}
    first, second = on_agenda[made[0].pk], on_agenda[made[1].pk]
    assert first.street == world.areas["A"] and first.area_path == world.areas["A"].path
    # Listed since it reached the street, not since the import ran.
    assert first.added_at == t0 + timedelta(hours=2) and second.added_at == t0 + timedelta(hours=5)
    assert {i.problem_id for i in agenda_items(street)} == {made[0].pk, made[1].pk}


def test_an_imported_reopening_undoes_the_closing_as_the_live_step_does(world):
    """The history import replayed 重新打开 as a bare status change: the problem stayed
    "closed" at its old time with its old rating, no closing was kept for the measures,
    and a reopening months after closing was taken."""
    from shequ.problems.models import ProblemCategory, ReopenedClosing
    from shequ.problems.services import HistoryEvent, HistoryRow, import_history

    staff, worker, wang = world.secretary_zhang, world.grid_worker_li, world.resident_wang
    t0 = timezone.now() - timedelta(days=60)

    def row(reopen_after_days):
        closed = [("accept", 1, staff), ("dispatch", 2, staff), ("start", 3, worker)]
        closed += [("report_back", 4, worker), ("verify_pass", 5, staff)]
        events = [HistoryEvent(a, t0 + timedelta(hours=h), who) for a, h, who in closed]
        events.append(HistoryEvent("evaluate", t0 + timedelta(hours=6), wang, resolved=False, satisfaction=2))
        events.append(HistoryEvent("reopen", t0 + timedelta(days=reopen_after_days), wang, "又堵了"))
        return HistoryRow(
            category=ProblemCategory.objects.get(code="blocked_drain"),
            description="导入的重新打开",
            source="resident",
            area=world.areas["A1-1"],
            reporter=wang,
            reported_at=t0,
            events=events,
        )

    with pytest.raises(ValidationFailed) as refused:
        import_history([row(31)])
    assert "结案超过30天不能重新打开" in refused.value.fields["1.events"]
    assert import_history([row(3)]) == 1
    p = Problem.objects.get(description="导入的重新打开")
    reopened_at = t0 + timedelta(days=3)
    assert (p.status, p.closed_at, p.resolved, p.satisfaction, p.reopen_count) == (
        Status.IN_PROGRESS,
        None,
        None,
        None,
        1,
    )
    assert p.due_at == reopened_at + timedelta(hours=settings.DEADLINE_HOURS[p.category.deadline_class])
    closing = ReopenedClosing.objects.get(problem=p)
    assert (closing.closed_at, closing.reopened_at) == (t0 + timedelta(hours=5), reopened_at)
    assert (closing.resolved, closing.satisfaction) == (False, 2)
    last = p.events.order_by("at", "id").last()
    assert last is not None
    assert (last.action, last.from_status, last.to_status, last.data) == (
        "reopen",
        Status.EVALUATED,
        Status.IN_PROGRESS,
        {"reopen": 1},
    )


def test_escalation_tells_the_reporter_and_whoever_was_handling_it(world):
    """上报上一级 told only the next level's triage: the grid worker it was taken from saw
    it vanish from their inbox, and its reporter was not told who now answers for it."""
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.assignee == world.grid_worker_li
    act(world, world.secretary_zhang, p, "escalate", note="小区调解不成，需社区处理")

    def told(user):
        return Notification.objects.filter(
            user=user, link=f"/problems/{p.pk}/", text__contains="上报上一级"
        ).exists()

    assert told(world.grid_worker_li) and told(world.resident_wang)
    assert not told(world.secretary_zhang)  # who did it is not told of it


def test_photos_sent_with_any_step_are_kept_on_its_timeline_row(world):
    """Only 反馈 kept photos: a verifier's photo of a drain still blocked, sent with 核查不通过
    from the same form, was silently dropped."""
    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_fail", note="现场仍有积水", photos=[jpeg(), jpeg()])
    event = p.events.get(action="verify_fail")
    assert event.photos.count() == 2
    staff_client = Client()
    staff_client.force_login(world.secretary_zhang)
    timeline = staff_client.get(f"/api/v1/problems/{p.pk}").json()["timeline"]
    assert len(next(e for e in timeline if e["action"] == "verify_fail")["photos"]) == 2


def test_rework_is_told_to_who_reported_the_work_done(world):
    """核查不通过 told only the assignee: the grid worker who handled a problem assigned to
    community staff, and reported it done, never learnt it had to be done again."""
    staff = world.users["community_staff@A1"]
    p = report(world)  # 管道堵塞: assigned to community staff at dispatch
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    assert p.assignee == staff
    act(world, world.grid_worker_li, p, "start")
    act(world, world.grid_worker_li, p, "report_back", note="已疏通", photos=[jpeg()])
    act(world, world.secretary_zhang, p, "verify_fail", note="仍有积水")
    for user in (staff, world.grid_worker_li):
        assert Notification.objects.filter(
            user=user, link=f"/problems/{p.pk}/", text__contains="返工"
        ).exists(), user


def test_dispatch_tells_the_reporter_by_when(world):
    """派遣 told the handler only: the resident heard nothing between 立案 and 反馈."""
    p = report(world, category="neighbour_dispute")
    act(world, world.secretary_zhang, p, "accept")
    p = act(world, world.secretary_zhang, p, "dispatch")
    due = f"{timezone.localtime(p.due_at):%Y年%m月%d日 %H:%M}"
    for user in (world.resident_wang, world.grid_worker_li):
        notice = Notification.objects.filter(user=user, link=f"/problems/{p.pk}/", text__contains="派遣")
        assert notice.exists() and due in notice.get().text, user


def test_a_retired_or_unknown_category_is_named_alone_or_beside_other_mistakes(world):
    """The category is read with the triage staff when everything else is right, and on
    its own when something else is wrong: either way the answer names it."""
    from shequ.problems.models import ProblemCategory

    ProblemCategory.objects.filter(code="blocked_drain").update(active=False)
    with pytest.raises(ValidationFailed) as alone:
        report(world)
    assert alone.value.fields == {"category": "请选择问题类别"}
    with pytest.raises(ValidationFailed) as beside:
        report(world, category="no_such_category", address="x" * 201)
    assert beside.value.fields.keys() == {"category", "address"}
    assert not Problem.objects.filter(reporter=world.resident_wang).exists()


def test_building_heads_and_grid_workers_report_anywhere_in_their_community(world):
    """A 楼栋长 may report in their grid (a pin resolves to the grid, above their building)
    or without a pin; a grid worker's pin just outside every grid goes to the community's
    triage, as a resident's does. Another community stays out of bounds."""
    from shequ.areas import geo
    from shequ.problems.tests.helpers import grid_point

    head = world.users["building_head@A1-1-b"]
    in_grid = report(world, head, key="A1-1")
    assert in_grid.area_path == world.areas["A1-1"].path
    lon, lat = grid_point(world, "A1-1")
    no_pin = services.report_problem(
        head, services.ReportInput(category="garbage", description="楼下垃圾三天没有清运", address="1号楼")
    )[0]
    assert no_pin.area_path == world.areas["A1"].path
    south = min(pt[1] for key in ("A1-1", "A1-2") for pt in world.areas[key].geometry["coordinates"][0])
    outside = (lon, south - 0.0005)
    assert geo.locate(*outside) is None
    patrol = services.report_problem(
        world.grid_worker_li,
        services.ReportInput(
            category="garbage",
            description="路边垃圾堆放很久没有清运",
            source="patrol",
            lon=outside[0],
            lat=outside[1],
        ),
    )[0]
    assert patrol.area_path == world.areas["A1"].path
    with pytest.raises(ValidationFailed, match="只能上报"):
        report(world, head, key="B1-1")


def test_a_problem_waiting_for_its_check_past_its_deadline_reminds_the_verifiers(world):
    """The board called a 已反馈 problem past its deadline 超期, but the reminders looked at
    dispatched and in-progress ones only: a slow check turned on-time work into 未按期结案
    without a word to anyone."""
    from shequ.problems.services import send_due_reminders
    from shequ.problems.tests.helpers import jpeg

    staff, li = world.users["community_staff@A1"], world.grid_worker_li
    p = report(world, category="garbage")
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, li, p, "start")
    p = act(world, li, p, "report_back", note="已清运", photos=[jpeg()])
    assert p.due_at is not None
    send_due_reminders(now=p.due_at + timedelta(minutes=5))
    told = Notification.objects.filter(link=f"/problems/{p.pk}/", text__startswith="已超期")
    assert told.filter(user=staff).exists()  # a verifier of the place
    assert not told.filter(user=li).exists()  # who did the work is not asked to check it


def test_a_step_note_is_limited_to_1000_characters_on_the_api_and_the_page(world):
    """Notes had no limit: 800,000 characters of 督办 were accepted (5,000 for 立案), and
    every viewer of the problem read them on its timeline."""
    staff = world.users["community_staff@A1"]
    p = report(world)
    api = Client()
    api.force_login(staff)
    url = f"/api/v1/problems/{p.pk}/transitions"
    r = api.post(url, {"action": "accept", "note": "立" * 5000}, content_type="application/json")
    assert r.status_code == 400 and r.json()["fields"] == {"note": "说明不能超过 1000 个字（现在 5000 个字）"}
    page = Client()
    page.force_login(staff)
    typed = "已核实，" + "情况属实" * 250
    r = page.post(f"/problems/{p.pk}/act/", {"action": "accept", "note": typed})
    body = r.content.decode()
    assert r.status_code == 400 and "说明不能超过 1000 个字（现在 1004 个字）" in body and typed in body
    assert Problem.objects.get(pk=p.pk).status == Status.REPORTED
    assert act(world, staff, p, "accept", note="立" * 1000).status == Status.ACCEPTED
    with pytest.raises(ValidationFailed) as exc:
        act(world, world.secretary_zhang, p, "urge", note="说" * 800_000)
    assert exc.value.fields == {"note": "说明不能超过 1000 个字（现在 800000 个字）"}
    assert Problem.objects.get(pk=p.pk).urge_count == 0


def test_an_imported_problem_on_a_building_is_located_as_a_live_report_is(world):
    """The history import took only grids as located: a problem filed on a building read
    待分派网格, could not be placed (its grid is above it) and, dispatched to the estate
    level, reached nobody."""
    from shequ.problems.models import ProblemCategory
    from shequ.problems.services import HistoryEvent, HistoryRow, import_history

    staff = world.secretary_zhang
    t0 = timezone.now() - timedelta(days=2)
    row = HistoryRow(
        category=ProblemCategory.objects.get(code="blocked_drain"),
        description="楼栋台账中的问题",
        source="resident",
        area=world.areas["A1-1-b"],
        reporter=staff,
        reported_at=t0,
        events=[HistoryEvent("accept", t0 + timedelta(hours=1), staff)],
    )
    assert import_history([row]) == 1
    p = Problem.objects.get(description="楼栋台账中的问题")
    assert p.located
    p = act(world, staff, p, "dispatch", level="estate", note="小问题不出小区")
    assert p.assignee == world.grid_worker_li


def test_the_reporter_of_a_merged_duplicate_is_told_which_problem_it_joined(world):
    """The notice said only 合并为重复问题: the resident could not tell which problem
    their report now lives in, nor that its steps would be told from there."""
    neighbour = world.users["resident@A1-1-h2"]
    p = report(world)
    duplicate = report(world, actor=neighbour)
    act(world, world.secretary_zhang, duplicate, "merge", into=p.pk)
    p.refresh_from_db()
    notice = Notification.objects.filter(user=neighbour, link=f"/problems/{duplicate.pk}/").latest("id")
    assert f"已并入问题 {p.number}" in notice.text
