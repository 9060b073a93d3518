"""The JSON API tells what the staff and resident pages show: a task's claims, a claim's
and an order's timeline, the task a problem became, a reversed award, the notice board."""

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_api_lists_the_claims_of_a_task_as_the_task_page_does(world):
    task = make_task(world, key="A1")
    claim = services.claim_task(world.resident_wang, task.pk)
    other = services.claim_task(world.users["resident@A1-1-h2"], task.pk)
    api = client_for(world.secretary_zhang).get(f"/api/v1/claims/?task={task.pk}").json()
    assert [c["id"] for c in api["items"]] == [claim.pk, other.pk]
    assert api["items"][0]["claimant"] == str(world.resident_wang)
    # The status filter narrows it; a claimer sees only their own claim of the task.
    services.transition_claim(world.resident_wang, claim.pk, services.ClaimActionInput(action="withdraw"))
    staff = client_for(world.secretary_zhang)
    open_ = staff.get("/api/v1/claims/", {"task": task.pk, "status": "open"}).json()["items"]
    assert [c["id"] for c in open_] == [other.pk]
    own = client_for(world.resident_wang).get(f"/api/v1/claims/?task={task.pk}").json()["items"]
    assert [c["id"] for c in own] == [claim.pk]


def test_a_task_out_of_scope_is_a_404_for_its_claims_as_for_the_task(world):
    task = make_task(world, key="A1")
    services.claim_task(world.resident_wang, task.pk)
    outsider = client_for(world.outsider_zhao)
    assert outsider.get(f"/api/v1/tasks/{task.pk}").status_code == 404
    r = outsider.get(f"/api/v1/claims/?task={task.pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = outsider.get(f"/api/v1/claims/?task={task.pk}&queue=true")
    assert r.status_code == 404
    r = client_for(world.secretary_zhang).get("/api/v1/claims/?task=-1")
    assert r.status_code == 400 and r.json()["fields"] == {"task": "任务编号不存在"}


def test_a_claims_api_detail_has_its_timeline_with_each_proof_as_the_page(world):
    task = make_task(world)
    wang, li = world.resident_wang, world.grid_worker_li
    claim = prove(wang, services.claim_task(wang, task.pk), note="已更换，有事打13812345678")
    act(li, claim, "return", note="照片看不清")
    prove(wang, claim, note="重新拍了")
    body = client_for(world.secretary_zhang).get(f"/api/v1/claims/{claim.pk}").json()
    steps = [(e["action"], e["label"], e["from_status"], e["to_status"]) for e in body["events"]]
    assert steps == [
        ("claim", "接单", "", "claimed"),
        ("submit", "提交完成凭证", "claimed", "submitted"),
        ("return", "退回", "submitted", "returned"),
        ("submit", "提交完成凭证", "returned", "submitted"),
    ]
    assert [e["actor"] for e in body["events"]] == [str(wang), str(wang), str(li), str(wang)]
    # The first, returned proof is still there, at its own step.
    first, second = body["events"][1]["files"], body["events"][3]["files"]
    assert len(first) == len(second) == 1 and first != second
    assert set(body["files"]) == {*first, *second}
    # A number typed into a note: masked for staff, in full for its writer.
    assert body["events"][1]["note"] == "已更换，有事打138****5678"
    own = client_for(wang).get(f"/api/v1/claims/{claim.pk}").json()
    assert own["events"][1]["note"] == "已更换，有事打13812345678"
    # Lists stay light: no timeline per row.
    listed = client_for(wang).get("/api/v1/claims/").json()["items"]
    assert [c["id"] for c in listed] == [claim.pk] and "events" not in listed[0]


def test_an_orders_api_detail_has_its_timeline_as_the_page(world):
    from shequ.points.tests.helpers import fund, item, move, redeem

    fund(world, world.resident_wang, 100)
    order = redeem(world.resident_wang, item(world, name="大米 5kg", price=30))
    move(world.secretary_zhang, order, "pack")
    move(world.secretary_zhang, order, "cancel", note="缺货，请致电13812345678")
    body = client_for(world.resident_wang).get(f"/api/v1/store/orders/{order.pk}").json()
    steps = [(e["action"], e["label"], e["from_status"], e["to_status"]) for e in body["events"]]
    assert steps == [
        ("place", "下单", "", "placed"),
        ("pack", "备货", "placed", "packed"),
        ("cancel", "取消订单", "packed", "cancelled"),
    ]
    zhang = str(world.secretary_zhang)
    assert [e["actor"] for e in body["events"]] == [str(world.resident_wang), zhang, zhang]
    assert body["events"][2]["note"] == "缺货，请致电138****5678"
    listed = client_for(world.resident_wang).get("/api/v1/store/orders/").json()["items"]
    assert [o["id"] for o in listed] == [order.pk] and "events" not in listed[0]


def test_problem_api_names_the_task_it_became(world):
    from shequ.problems.tests.helpers import report

    problem = report(world)
    task = make_task(world, key="A1", publish=False, problem=problem.pk)
    body = client_for(world.secretary_zhang).get(f"/api/v1/problems/{problem.pk}").json()
    assert body["tasks"] == [task.pk]
    # The reporter follows the link once the task is one they may open: published.
    reporter = client_for(world.resident_wang)
    assert reporter.get(f"/api/v1/problems/{problem.pk}").json()["tasks"] == []
    services.transition_task(world.secretary_zhang, task.pk, "publish")
    assert reporter.get(f"/api/v1/problems/{problem.pk}").json()["tasks"] == [task.pk]
    assert reporter.get(f"/api/v1/tasks/{task.pk}").status_code == 200


def accepted(world, title, reverse_because=""):
    """A task of grid A1-1 claimed, proved and accepted for resident Wang; its award
    reversed (冲正) when a reason is given."""
    from shequ.points import services as points
    from shequ.tasks.models import Award

    task = make_task(world, title=title)
    claim = prove(world.resident_wang, services.claim_task(world.resident_wang, task.pk))
    act(world.grid_worker_li, claim, "accept")
    if reverse_because:
        award = Award.objects.get(claim=claim)
        points.reverse(world.secretary_zhang, award.transaction_id, reverse_because)
    return claim


def test_a_reversed_award_reads_as_reversed_in_my_tasks_and_the_api(world):
    kept = accepted(world, "更换楼道灯泡")
    taken = accepted(world, "清理小广告", reverse_because="照片是别处的")
    wang = client_for(world.resident_wang)
    listed = {c["id"]: c for c in wang.get("/api/v1/claims/").json()["items"]}
    assert (listed[kept.pk]["reversed"], listed[kept.pk]["reversal_reason"]) == (False, "")
    assert listed[taken.pk]["status"] == "accepted"
    assert (listed[taken.pk]["reversed"], listed[taken.pk]["reversal_reason"]) == (True, "照片是别处的")
    one = wang.get(f"/api/v1/claims/{taken.pk}").json()
    assert (one["reversed"], one["reversal_reason"]) == (True, "照片是别处的")
    staff = client_for(world.secretary_zhang).get(f"/api/v1/claims/?task={taken.task_id}").json()
    assert staff["items"][0]["reversed"] is True
    page = wang.get("/tasks/mine/").content.decode()
    assert page.count("已验收（积分已冲正）") == 1 and "冲正原因：照片是别处的" in page


def test_the_reversal_is_read_with_the_list_not_a_query_a_row(world):
    from shequ.tasks.tests.test_query_counts import count

    accepted(world, "任务一", reverse_because="重复申报")
    wang = client_for(world.resident_wang)
    urls = ["/api/v1/claims/", "/tasks/mine/"]
    before = [count(wang, url) for url in urls]
    accepted(world, "任务二", reverse_because="重复申报")
    accepted(world, "任务三", reverse_because="重复申报")
    assert [count(wang, url) for url in urls] == before


def test_the_public_notice_board_has_a_json_twin_with_names_masked(world):
    from django.test import Client

    from shequ.access.masking import mask_name
    from shequ.points.models import Account

    accepted(world, "更换楼道灯泡")
    full = Account.objects.get(user=world.resident_wang).name
    code = world.areas["A1"].code
    anyone = Client()  # no login, as the page
    r = anyone.get(f"/api/v1/points/notice/{code}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["community"], body["community_name"]) == (code, world.areas["A1"].name)
    assert [(x["rank"], x["name"], x["points"]) for x in body["able"]] == [(1, mask_name(full), 5)]
    assert full not in r.content.decode() and mask_name(full) != full
    page = anyone.get(f"/points/notice/{code}/").content.decode()
    assert f"{mask_name(full)} · 5 分" in page  # the same list as the page
    # Another quarter, a quarter out of range and a place that is no community.
    before = anyone.get(f"/api/v1/points/notice/{code}", {"year": 2001, "quarter": 1}).json()
    assert (before["year"], before["quarter"], before["able"]) == (2001, 1, [])
    r = anyone.get(f"/api/v1/points/notice/{code}", {"quarter": 5})
    assert r.status_code == 400 and r.json()["fields"] == {
        "quarter": "季度必须是 1 到 4 之间的整数，您填写的是“5”"
    }
    assert anyone.get(f"/api/v1/points/notice/{world.areas['A1-1'].code}").status_code == 404


def test_problem_page_links_the_tasks_it_became_as_the_api_names_them(world):
    """The problem page listed 转为任务's tasks to task managers only, and every one of
    them: the grid worker who may open the task (and whose app's API names it) saw no
    link, and a secretary was linked to a task the street set in another community, a 404."""
    from shequ.problems.tests.helpers import report

    problem = report(world)
    here = make_task(world, key="A1-1", publish=False, problem=problem.pk)
    # The street office makes a second task of it, in the neighbouring community.
    there = make_task(world, actor=world.street_chen, key="A2", publish=False, problem=problem.pk)
    for user in (world.secretary_zhang, world.grid_worker_li, world.street_chen):
        c = client_for(user)
        named = c.get(f"/api/v1/problems/{problem.pk}").json()["tasks"]
        page = c.get(f"/problems/{problem.pk}/").content.decode()
        for task in (here, there):
            linked = f'href="/tasks/{task.pk}/"' in page
            assert linked == (task.pk in named), (str(user), task.title)
            if linked:
                assert c.get(f"/tasks/{task.pk}/").status_code == 200
    assert (
        f'href="/tasks/{here.pk}/"'
        in client_for(world.grid_worker_li).get(f"/problems/{problem.pk}/").content.decode()
    )


def test_task_page_links_its_problem_only_to_who_may_open_it(world):
    """A task the street office made of community A1's problem, set in community A2: A2's
    secretary, who runs the task, was linked to 来源问题, a problem of A1 (a 404)."""
    from shequ.problems.tests.helpers import report

    problem = report(world)
    task = make_task(world, actor=world.street_chen, key="A2", publish=False, problem=problem.pk)
    link = f'href="/problems/{problem.pk}/"'
    for user, sees in (
        (world.users["community_secretary@A2"], False),
        (world.street_chen, True),
    ):
        c = client_for(user)
        page = c.get(f"/tasks/{task.pk}/").content.decode()
        assert (link in page) == sees, str(user)
        assert c.get(f"/problems/{problem.pk}/").status_code == (200 if sees else 404)
    # Where both are the secretary's, the link stays.
    mine = make_task(world, key="A1-1", publish=False, problem=problem.pk)
    assert link in client_for(world.secretary_zhang).get(f"/tasks/{mine.pk}/").content.decode()


def test_task_api_names_its_problem_only_to_who_may_open_it_as_the_page(world):
    """A public task made from a resident's 民意直通车 report: the task page shows 来源问题
    to no other resident and no partner unit, but GET /tasks/{id} and the board's list gave
    them the problem's id all the same."""
    from shequ.problems.services import follow
    from shequ.problems.tests.helpers import report

    wang, neighbour = world.resident_wang, world.users["resident@A1-1-h2"]
    secret = report(world, actor=wang, source="opinion_channel", description="隔壁装修噪音扰民，请处理")
    task = make_task(world, key="A1", problem=secret.pk)
    for user, sees in (
        (neighbour, False),
        (world.users["partner_unit@A1"], False),
        (wang, True),
        (world.secretary_zhang, True),
    ):
        c = client_for(user)
        assert c.get(f"/api/v1/tasks/{task.pk}").json()["problem"] == (secret.pk if sees else None), str(user)
        listed = {t["id"]: t["problem"] for t in c.get("/api/v1/tasks/").json()["items"]}
        assert listed.get(task.pk, secret.pk if sees else None) == (secret.pk if sees else None), str(user)
        page = c.get(f"/tasks/{task.pk}/").content.decode()
        assert (f'href="/problems/{secret.pk}/"' in page) == sees, str(user)
    # A neighbour who follows a problem may open it: the API names it to them, as the page.
    shared = report(world, actor=wang, description="单元门禁坏了，进出不便")
    follow(neighbour, shared.pk, shared.lon, shared.lat)
    linked = make_task(world, key="A1", problem=shared.pk)
    c = client_for(neighbour)
    assert c.get(f"/api/v1/tasks/{linked.pk}").json()["problem"] == shared.pk
    listed = {t["id"]: t["problem"] for t in c.get("/api/v1/tasks/").json()["items"]}
    assert listed[linked.pk] == shared.pk and listed[task.pk] is None
