"""The pages: forms come back with the user's input and a Chinese message per field;
the board shows how many open tasks the person holds."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.problems.tests.helpers import jpeg
from shequ.tasks.models import ClaimStatus
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_resident_claims_and_uploads_proof_from_the_pages(world):
    task = make_task(world)
    c = client_for(world.resident_wang)
    board = c.get("/tasks/").content.decode()
    assert task.title in board and "您当前有 <b>0</b> 个进行中的任务" in board
    r = c.post(f"/tasks/{task.pk}/act/", {"action": "claim"})
    assert r.status_code == 302
    claim = task.claims.get()
    r = c.post(f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "好了"})
    assert (
        r.status_code == 400 and "请上传至少一张照片" in r.content.decode() and "好了" in r.content.decode()
    )
    r = c.post(f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "好了", "files": [jpeg()]})
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    # Sent for acceptance: no longer the person's to do, shown apart from the cap's count.
    held = "您当前有 <b>0</b> 个进行中的任务（最多 3 个），另有 <b>1</b> 个待验收（不计入上限）"
    assert held in c.get("/tasks/").content.decode()
    queue = client_for(world.grid_worker_li).get("/tasks/queue/").content.decode()
    assert f"/tasks/claims/{claim.pk}/" in queue


def test_the_editor_keeps_input_and_names_the_fields(world):
    c = client_for(world.secretary_zhang)
    r = c.post(
        "/tasks/new/", {"title": "清理小广告", "description": "", "category": "clear_ads", "places": "0"}
    )
    body = r.content.decode()
    assert r.status_code == 400
    assert "清理小广告" in body and "请说明任务内容" in body and "名额必须在 1 到 500 之间" in body
    assert client_for(world.resident_wang).get("/tasks/new/").status_code == 403
    # 保存后立即发布 is ticked on a new form, and stays as it was left after a refusal: a
    # draft's author who fixes the title must not publish it by saving again.
    assert 'name="publish" value="1" checked' in c.get("/tasks/new/").content.decode()
    r = c.post("/tasks/new/", {"title": "清", "description": "楼道小广告", "category": "clear_ads"})
    assert r.status_code == 400 and 'name="publish" value="1">' in r.content.decode()
    r = c.post(
        "/tasks/new/", {"title": "清", "description": "楼道小广告", "category": "clear_ads", "publish": "1"}
    )
    assert r.status_code == 400 and 'name="publish" value="1" checked' in r.content.decode()


def test_a_refused_task_action_keeps_the_action_and_the_note(world):
    """After 取消任务 was refused for want of a reason the menu went back to its first
    action, 发布: typing the reason and pressing 提交 published the task."""
    task = make_task(world, publish=False)
    c = client_for(world.secretary_zhang)
    r = c.post(f"/tasks/{task.pk}/act/", {"action": "cancel", "note": ""})
    body = r.content.decode()
    assert r.status_code == 400 and "需要填写说明" in body
    assert '<details class="task-step" open><summary>取消任务…' in body
    published = make_task(world)
    r = c.post(f"/tasks/{published.pk}/act/", {"action": "cancel", "note": "活动改期"})
    assert r.status_code == 400 and 'value="活动改期"' in r.content.decode()


def test_a_problem_on_a_building_becomes_a_task_of_its_grid(world):
    from shequ.problems import services as problem_services

    problem, _ = problem_services.report_problem(
        world.users["community_staff@A1"],
        problem_services.ReportInput(
            category="blocked_drain",
            description="三楼下水管堵塞",
            source="hotline",
            hotline_order_no="TASK-AREA-01",
            area=world.areas["A1-1-b"].code,
        ),
    )
    body = client_for(world.secretary_zhang).get(f"/tasks/new/?problem={problem.pk}").content.decode()
    assert f'<option value="{world.areas["A1-1"].code}" selected>' in body


def test_the_editor_takes_attachments(world):
    from datetime import timedelta

    from django.utils import timezone

    c = client_for(world.secretary_zhang)
    deadline = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(
        "/tasks/new/",
        {
            "title": "清理楼道小广告",
            "description": "3单元楼道墙面小广告",
            "category": "clear_ads",
            "difficulty": "easy",
            "places": "2",
            "deadline": deadline,
            "area": world.areas["A1-1"].code,
            "audience": "public",
            "publish": "1",
            "files": [jpeg()],
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    task_url = r["Location"]
    body = client_for(world.resident_wang).get(task_url).content.decode()
    assert 'alt="任务附件"' in body and "已发布" in body


def test_problem_page_offers_to_task_and_editor_is_prefilled(world):
    from shequ.problems.tests.helpers import report

    problem = report(world)
    c = client_for(world.secretary_zhang)
    assert 'id="to-task"' in c.get(f"/problems/{problem.pk}/").content.decode()
    body = c.get(f"/tasks/new/?problem={problem.pk}").content.decode()
    assert f'name="problem" value="{problem.pk}"' in body and f'href="/problems/{problem.pk}/"' in body
    # The problem's text (it may name the reporter) is not copied into the public task.
    assert problem.description not in body and f"{problem.category.name}处理" in body
    assert (
        'id="to-task"' not in client_for(world.resident_wang).get(f"/problems/{problem.pk}/").content.decode()
    )


def test_store_page_says_why_a_redemption_was_refused(world):
    from shequ.points.tests.helpers import item

    rice = item(world, price=30)
    r = client_for(world.resident_wang).post("/points/store/redeem/", {"item": rice.pk, "quantity": "1"})
    assert r.status_code == 409 and "积分不足" in r.content.decode()


def test_staff_set_a_redemption_window_from_the_catalogue(world):
    from datetime import timedelta

    from django.utils import timezone

    c = client_for(world.secretary_zhang)
    today = timezone.localdate()
    r = c.post(
        "/points/catalogue/",
        {
            "form": "window",
            "area": world.areas["A1"].code,
            "name": "",
            "starts_on": f"{today}",
            "ends_on": f"{today}",
        },
    )
    assert r.status_code == 400 and "请填写兑换期名称" in r.content.decode()
    r = c.post(
        "/points/catalogue/",
        {
            "form": "window",
            "area": world.areas["A1"].code,
            "name": "本季度兑换",
            "starts_on": f"{today}",
            "ends_on": f"{today + timedelta(days=10)}",
        },
    )
    assert r.status_code == 302
    assert "本季度兑换" in c.get("/points/catalogue/").content.decode()


def test_a_draft_is_edited_and_a_published_task_is_not(world):
    draft = make_task(world, publish=False, title="草稿：清理广告")
    c = client_for(world.secretary_zhang)
    body = c.get(f"/tasks/{draft.pk}/edit/").content.decode()
    assert "草稿：清理广告" in body and 'value="easy" selected' in body
    values = {
        "title": "清理3单元小广告",
        "description": "3单元楼道墙面小广告",
        "category": "clear_ads",
        "difficulty": "hard",
        "places": "3",
        "deadline": body.split('name="deadline" type="datetime-local" value="')[1].split('"')[0],
        "area": world.areas["A1-1"].code,
        "audience": "public",
    }
    r = c.post(f"/tasks/{draft.pk}/edit/", values)
    assert r.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.places, draft.points) == ("清理3单元小广告", 3, 20)
    r = c.post(f"/tasks/{draft.pk}/edit/", values | {"places": "0"})
    assert r.status_code == 400 and "名额必须在 1 到 500 之间" in r.content.decode()
    published = make_task(world)
    r = c.post(f"/tasks/{published.pk}/edit/", values)
    assert r.status_code == 409 and "只有草稿可以修改" in r.content.decode()


def test_talents_and_team_members_are_registered_by_id_number(world):
    from shequ.tasks.models import ServiceTeam, Talent

    c = client_for(world.secretary_zhang)
    resident = world.residents["A1-2-h1-r1"]
    id_number = world.full_values[resident.pk][0]
    r = c.post(
        "/tasks/resources/",
        {"form": "talent", "id_number": id_number, "kind": "able", "trade": "家电维修", "skill": "空调维修"},
    )
    assert r.status_code == 302 and Talent.objects.filter(resident=resident, skill="空调维修").exists()
    r = c.post("/tasks/resources/", {"form": "talent", "id_number": "11010519491231002X", "kind": "able"})
    assert r.status_code == 400 and "您管辖范围内没有该身份证号的居民" in r.content.decode()
    r = c.post("/tasks/resources/", {"form": "talent", "id_number": "110105194912310021", "kind": "able"})
    assert r.status_code == 400 and "请填写完整、有效的身份证号" in r.content.decode()
    c.post(
        "/tasks/resources/",
        {"form": "team", "name": "志愿服务队", "kind": "volunteer", "area": world.areas["A1"].code},
    )
    team = ServiceTeam.objects.get(name="志愿服务队", area=world.areas["A1"])
    r = c.post("/tasks/resources/", {"form": "member", "team": team.pk, "id_number": id_number})
    assert r.status_code == 302 and team.members.filter(resident=resident).exists()
    from shequ.access.models import AuditEvent

    joined = AuditEvent.objects.filter(event="resource.team_member").latest("id")
    assert joined.detail == {"resident": resident.pk}  # the log names who joined
    page = c.get("/tasks/resources/?tab=team").content.decode()
    assert id_number not in page
    # The members are listed, and one who left is removed.
    assert resident.name in page and f'name="resident" value="{resident.pk}"' in page
    r = c.post("/tasks/resources/", {"form": "member_remove", "team": team.pk, "resident": resident.pk})
    assert r.status_code == 302 and not team.members.exists()
    r = c.post("/tasks/resources/", {"form": "member_remove", "team": team.pk, "resident": resident.pk})
    assert r.status_code == 400 and "该居民不是该服务队队员" in r.content.decode()


def test_a_name_or_a_partial_number_registers_nobody(world):
    from shequ.tasks.models import Talent

    c = client_for(world.secretary_zhang)
    resident = world.residents["A1-2-h1-r1"]
    id_number = world.full_values[resident.pk][0]
    before = Talent.objects.count()
    for typed in (resident.name[0], resident.name, id_number[:10], id_number[:17] + "0"):
        if typed == id_number:
            continue
        r = c.post(
            "/tasks/resources/",
            {"form": "talent", "id_number": typed, "kind": "able", "trade": "家电维修", "skill": "空调维修"},
        )
        assert r.status_code == 400 and "请填写完整、有效的身份证号" in r.content.decode(), typed
    assert Talent.objects.count() == before


def test_claimers_see_only_tasks_they_can_still_claim(world):
    from datetime import timedelta

    from django.utils import timezone

    from shequ.tasks import services
    from shequ.tasks.models import Task
    from shequ.tasks.selectors import board
    from shequ.tasks.tests.helpers import make_task

    open_task = make_task(world, title="仍可接单")
    late = make_task(world, title="修剪绿篱")
    Task.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(hours=1))
    full = make_task(world, title="清扫楼道", places=1)
    services.claim_task(world.users["resident@A1-1-h2"], full.pk)
    listed = set(board(world.resident_wang).values_list("pk", flat=True))
    assert open_task.pk in listed and late.pk not in listed and full.pk not in listed
    c = client_for(world.resident_wang)
    board_page = c.get("/tasks/").content.decode()
    assert "仍可接单" in board_page and "修剪绿篱" not in board_page and "清扫楼道" not in board_page
    for task, reason in ((late, "任务已过截止时间"), (full, "名额已满")):
        body = c.get(f"/tasks/{task.pk}/").content.decode()
        assert 'value="claim"' not in body and reason in body
    assert 'value="claim"' in c.get(f"/tasks/{open_task.pk}/").content.decode()


def test_forms_keep_what_was_typed_and_name_the_wrong_field(world):
    c = client_for(world.secretary_zhang)
    r = c.post(
        "/points/catalogue/",
        {
            "name": "花生油 5L",
            "price": "十",
            "stock": "3",
            "per_person_limit": "x",
            "area": world.areas["A1"].code,
        },
    )
    body = r.content.decode()
    assert r.status_code == 400
    assert '<span class="field-error">所需积分必须是整数</span>' in body
    assert '<span class="field-error">每人限兑必须是整数</span>' in body
    assert 'value="花生油 5L"' in body and 'value="3"' in body
    assert f'<option value="{world.areas["A1"].code}" selected>' in body
    r = c.post(
        "/points/catalogue/",
        {"form": "window", "area": world.areas["A1"].code, "name": "冬季兑换", "starts_on": "2026-12-01"},
    )
    body = r.content.decode()
    assert r.status_code == 400 and '<span class="field-error">请填写兑换期的结束日期</span>' in body
    assert 'value="冬季兑换"' in body and 'value="2026-12-01"' in body
    assert 'value="花生油 5L"' not in body  # the other form is not filled in
    r = c.post(
        "/tasks/resources/",
        {
            "form": "unit",
            "name": "",
            "kind": "department",
            "area": world.areas["A1"].code,
            "contact_name": "刘经理",
        },
    )
    body = r.content.decode()
    assert r.status_code == 400 and '<span class="field-error">请填写单位名称</span>' in body
    assert 'value="刘经理"' in body
    r = c.post("/tasks/resources/", {"form": "member", "team": "0", "id_number": "杨"})
    body = r.content.decode()
    assert r.status_code == 400 and 'value="member"' in body  # the team tab, where the form is
    assert '<span class="field-error">请填写完整、有效的身份证号</span>' in body


def test_a_refused_list_action_comes_back_on_its_row_with_the_note_typed(world):
    from shequ.tasks import services

    listing = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, "203006")
    c = client_for(world.secretary_zhang)
    r = c.post(f"/tasks/monthly/{listing.pk}/act/", {"action": "submit", "note": "请街道月底前审批"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "清单里还没有任务" in body
    assert 'value="请街道月底前审批"' in body  # the note is not lost
    listing.refresh_from_db()
    assert listing.status == "draft"


def test_the_editor_names_a_bad_deadline_and_the_other_fields_at_once(world):
    c = client_for(world.secretary_zhang)
    r = c.post(
        "/tasks/new/",
        {
            "title": "",
            "description": "楼道灯不亮",
            "category": "replace_bulb",
            "difficulty": "normal",
            "places": "1",
            "deadline": "下周五",
            "area": world.areas["A1-1"].code,
            "audience": "public",
        },
    )
    body = r.content.decode()
    assert r.status_code == 400
    assert "截止时间格式不正确：“下周五”" in body
    assert "请填写任务标题" in body and 'value="下周五"' in body  # the title's message in the same answer


def test_a_member_added_to_a_team_out_of_reach_is_named_on_the_form(world):
    c = client_for(world.secretary_zhang)
    number = world.full_values[world.residents["A1-1-h2-r1"].pk][0]
    r = c.post("/tasks/resources/", {"form": "member", "team": "999999", "id_number": number})
    body = r.content.decode()
    assert r.status_code == 400 and "服务队不存在或无权查看" in body
    assert f'value="{number}"' in body  # what was typed is kept


def test_a_refused_list_action_on_a_later_page_comes_back_on_that_page(world):
    from shequ.tasks import services

    for n in range(22):  # newer months first: 2031-01 to 2032-10 fill the first page
        month = f"{2031 + n // 12}{n % 12 + 1:02d}"
        services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, month)
    oldest = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, "203001")
    c = client_for(world.secretary_zhang)
    listing = c.get("/tasks/monthly/", {"page": "2"}).content.decode()
    assert f'action="/tasks/monthly/{oldest.pk}/act/?page=2"' in listing  # the row says its page
    r = c.post(f"/tasks/monthly/{oldest.pk}/act/?page=2", {"action": "submit", "note": "第二页的清单"})
    body = r.content.decode()
    assert r.status_code == 400 and "清单里还没有任务" in body and 'value="第二页的清单"' in body


def test_the_editor_of_a_published_task_says_so_on_opening(world):
    """The editor opened for a published task and refused only once the changes were typed."""
    published = make_task(world)
    r = client_for(world.secretary_zhang).get(f"/tasks/{published.pk}/edit/")
    body = r.content.decode()
    assert r.status_code == 400 and "只有草稿可以修改" in body and 'name="title"' not in body


def test_a_second_tap_of_claim_lands_on_the_claim_the_first_made(world):
    task = make_task(world)
    c = client_for(world.resident_wang)
    first = c.post(f"/tasks/{task.pk}/act/", {"action": "claim"})
    second = c.post(f"/tasks/{task.pk}/act/", {"action": "claim"})
    claim = task.claims.get(user=world.resident_wang)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/tasks/claims/{claim.pk}/"
    assert task.claims.count() == 1


def test_numbers_typed_into_task_texts_are_masked_for_all_but_their_writer(world):
    """A problem's typed text had its ID and phone numbers masked for everyone but its
    writer; a task's description, a proof note, a return reason and its notice, and a
    service record's note showed them whole to staff, residents and on the member's ledger."""
    from shequ.notifications.models import Notification
    from shequ.points import services as points
    from shequ.points.tests.helpers import party_member
    from shequ.tasks import services
    from shequ.tasks.tests.helpers import act, prove

    number, phone = world.full_values[world.residents["A1-1-h1-r2"].pk]
    shown = f"{phone[:3]}****{phone[-4:]}"
    task = make_task(world, description=f"3单元楼道灯坏了，有事联系{phone}")
    resident, grid = client_for(world.resident_wang), client_for(world.grid_worker_li)
    assert phone not in resident.get(f"/tasks/{task.pk}/").content.decode()
    assert resident.get(f"/api/v1/tasks/{task.pk}").json()["description"].endswith(shown)
    assert phone in client_for(world.secretary_zhang).get(f"/tasks/{task.pk}/").content.decode()  # its writer
    claim = prove(
        world.resident_wang, services.claim_task(world.resident_wang, task.pk), note=f"邻居身份证{number}"
    )
    page = grid.get(f"/tasks/claims/{claim.pk}/").content.decode()
    assert (
        number not in page
        and grid.get(f"/api/v1/claims/{claim.pk}").json()["proof_note"] != f"邻居身份证{number}"
    )
    act(world.grid_worker_li, claim, "return", note=f"请联系{phone}确认")
    for c in (resident.get(f"/tasks/claims/{claim.pk}/"), resident.get("/tasks/mine/")):
        assert phone not in c.content.decode() and shown in c.content.decode()
    assert resident.get(f"/api/v1/claims/{claim.pk}").json()["return_reason"] == f"请联系{shown}确认"
    notice = Notification.objects.filter(user=world.resident_wang, text__contains="被退回").get()
    assert phone not in notice.text and shown in notice.text
    member = party_member(world)
    points.record_service(
        world.secretary_zhang,
        points.ServiceInput(member=member.pk, kind="errand", note=f"帮邻居办医保，邻居电话{phone}", points=5),
    )
    assert phone not in client_for(member).get("/points/").content.decode()
    (entry,) = client_for(member).get("/api/v1/points/entries").json()["items"]
    assert phone not in str(entry) and shown in str(entry)
    assert (
        phone
        not in client_for(world.users["auditor@A"]).get("/api/v1/points/service-records").content.decode()
    )


def test_a_refused_form_says_its_files_must_be_chosen_again(world):
    """The browser keeps typed text but not the chosen files: after a refusal for another
    field the task editor and the proof form said nothing, and a corrected resend saved
    the task, or the proof, without its photos."""
    from shequ.tasks import services

    staff = client_for(world.secretary_zhang)
    form = {
        "title": "",
        "description": "x",
        "category": "replace_bulb",
        "difficulty": "easy",
        "places": "1",
        "area": world.areas["A1-1"].code,
        "audience": "public",
    }
    r = staff.post("/tasks/new/", {**form, "files": [jpeg()]})
    assert r.status_code == 400 and "浏览器不会保留已选的文件，请重新选择" in r.content.decode()
    r = staff.post("/tasks/new/", form)
    assert r.status_code == 400 and "请重新选择" not in r.content.decode()

    claim = services.claim_task(world.resident_wang, make_task(world).pk)
    resident = client_for(world.resident_wang)
    r = resident.post(
        f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "长" * 1001, "files": [jpeg()]}
    )
    assert r.status_code == 400 and "浏览器不会保留已选的文件，请重新选择" in r.content.decode()


def test_a_skill_or_a_venue_registered_twice_is_named_not_doubled(world):
    """A double click on 登记 made two rows, which no page can delete."""
    from shequ.tasks.models import Talent, Venue

    c = client_for(world.secretary_zhang)
    resident = world.residents["A1-2-h1-r1"]
    talent = {
        "form": "talent",
        "id_number": world.full_values[resident.pk][0],
        "kind": "able",
        "trade": "家电维修",
        "skill": "空调维修",
    }
    assert c.post("/tasks/resources/", talent).status_code == 302
    r = c.post("/tasks/resources/", talent)
    assert r.status_code == 400 and f"{resident.name}已登记过这项特长" in r.content.decode()
    assert Talent.objects.filter(resident=resident).count() == 1
    venue = {
        "form": "venue",
        "name": "党群服务中心活动室",
        "kind": "venue",
        "area": world.areas["A1"].code,
        "capacity": "60",
    }
    assert c.post("/tasks/resources/", venue).status_code == 302
    r = c.post("/tasks/resources/", venue)
    assert r.status_code == 400 and "已有名为“党群服务中心活动室”的场地或设备" in r.content.decode()
    assert Venue.objects.filter(name="党群服务中心活动室").count() == 1


def test_staff_read_a_units_full_contact_phone_with_a_reason_audited(world):
    """The contact phone typed in for a 驻区单位 was stored encrypted and shown masked
    everywhere, to every role: nobody could ever call it. Staff whose role reads full
    phones may now, with a reason, as for a resident; each read is in the audit log."""
    from shequ.access.models import AuditEvent
    from shequ.tasks import services

    unit = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(
            name="区供电所",
            kind="department",
            area=world.areas["A1"].code,
            contact_name="李工",
            contact_phone="13800138000",
        ),
    )
    c = client_for(world.secretary_zhang)
    page = c.get("/tasks/resources/?tab=unit").content.decode()
    assert "13800138000" not in page and f"/tasks/units/{unit.pk}/unmask/" in page
    r = c.post(f"/tasks/units/{unit.pk}/unmask/", {"reason": ""})
    assert r.status_code == 400 and "请填写查看完整信息的事由" in r.content.decode()
    r = c.post(f"/tasks/units/{unit.pk}/unmask/", {"reason": "联系停电检修"})
    assert r.status_code == 200 and "13800138000" in r.content.decode()
    read = AuditEvent.objects.filter(event="resource.unit_unmask").get()
    assert read.detail == {"field": "contact_phone", "reason": "联系停电检修"}
    api = client_for(world.secretary_zhang)
    r = api.post(
        f"/api/v1/resources/units/{unit.pk}/contact-phone",
        '{"reason": "联系停电检修"}',
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json() == {"phone": "13800138000"}
    # A grid worker does not see a community's units, and cannot read their numbers.
    li = client_for(world.grid_worker_li)
    assert f"/tasks/units/{unit.pk}/unmask/" not in li.get("/tasks/resources/?tab=unit").content.decode()
    r = li.post(f"/tasks/units/{unit.pk}/unmask/", {"reason": "想打电话"})
    assert r.status_code == 404 and "13800138000" not in r.content.decode()
    assert (
        client_for(world.outsider_zhao)
        .post(f"/tasks/units/{unit.pk}/unmask/", {"reason": "想打电话"})
        .status_code
        == 404
    )


def test_resource_lists_are_paged_not_cut_at_200(world):
    """The resource page showed the first 200 rows of each list, with nothing to say more
    were left out: a street's skills registry beyond them could not be seen."""
    from shequ.tasks.models import Venue

    a1 = world.areas["A1"]
    Venue.objects.bulk_create(
        Venue(name=f"活动室{n:03d}", kind="venue", area=a1, area_path=a1.path) for n in range(230)
    )
    c = client_for(world.secretary_zhang)
    first = c.get("/tasks/resources/", {"tab": "venue"}).content.decode()
    assert "活动室000" in first and "活动室229" not in first and "下一页" in first
    last = c.get("/tasks/resources/", {"tab": "venue", "page": "5"}).content.decode()
    assert "活动室229" in last and "活动室000" not in last
    # A row edited on page 5 brings its editor back to page 5, not to page 1.
    venue = Venue.objects.get(name="活动室229")
    r = c.post(
        "/tasks/resources/?tab=venue&page=5",
        {"form": "venue_edit", "venue": str(venue.pk), "capacity": "30", "description": "可容纳30人"},
    )
    assert r.status_code == 302 and r["Location"] == "/tasks/resources/?tab=venue&page=5"
    venue.refresh_from_db()
    assert venue.capacity == 30


def test_ending_a_task_is_a_second_step_that_says_what_it_withdraws(world):
    """结束任务 was the task page's one pre-selected action under a note 'required for
    取消': one press of 提交 ended the task and withdrew everyone's claim, unexplained."""
    from shequ.tasks import services
    from shequ.tasks.models import ClaimStatus, TaskStatus

    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    c = client_for(world.secretary_zhang)
    page = c.get(f"/tasks/{task.pk}/").content.decode()
    assert '<select name="action"' not in page
    step = page.split("<summary>结束任务…</summary>", 1)[1].split("</details>", 1)[0]
    assert "尚未提交凭证的 1 个接单将被撤回" in step and 'name="note" required' in step
    r = c.post(f"/tasks/{task.pk}/act/", {"action": "close", "note": ""})
    assert r.status_code == 400 and "需要填写说明" in r.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED
    c.post(f"/tasks/{task.pk}/act/", {"action": "close", "note": "暴雨预警，活动取消"})
    task.refresh_from_db()
    claim.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and claim.status == ClaimStatus.WITHDRAWN
    # The reason the secretary had to give reaches the person whose claim it withdrew.
    from shequ.notifications.models import Notification

    told = Notification.objects.filter(user=world.resident_wang).order_by("-id").first()
    assert told is not None and "结束原因：暴雨预警，活动取消" in told.text
    withdrawn = claim.events.order_by("-id").first()
    assert withdrawn is not None and "暴雨预警" in withdrawn.note


def test_edits_saved_after_the_task_was_published_come_back_to_be_copied(world):
    """The editor's 保存 after a colleague published the task answered with the task page
    saying 只有草稿可以修改: the new description typed was gone."""
    from shequ.tasks import services

    task = make_task(world, publish=False)
    c = client_for(world.secretary_zhang)
    form = {
        "title": task.title,
        "description": "请带上梯子和手套，注意用电安全",
        "category": task.category,
        "difficulty": task.difficulty,
        "places": "2",
        "deadline": "",
        "area": task.area.code,
        "audience": "public",
    }
    services.transition_task(world.secretary_zhang, task.pk, "publish")
    r = c.post(f"/tasks/{task.pk}/edit/", form)
    body = r.content.decode()
    assert r.status_code == 409 and "只有草稿可以修改" in body and "请带上梯子和手套" in body


def test_a_draft_in_a_list_the_street_holds_is_not_offered_for_editing(world):
    from datetime import timedelta

    from django.utils import timezone

    from shequ.tasks import services

    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    monthly = services.create_monthly_list(world.secretary_zhang, world.areas["A1"].code, f"{first:%Y%m}")
    task = make_task(
        world, publish=False, monthly_list=monthly.pk, deadline=timezone.now() + timedelta(days=50)
    )
    c = client_for(world.secretary_zhang)
    assert "修改草稿" in c.get(f"/tasks/{task.pk}/").content.decode()
    services.transition_list(world.secretary_zhang, monthly.pk, "submit")
    assert "修改草稿" not in c.get(f"/tasks/{task.pk}/").content.decode()
    opened = c.get(f"/tasks/{task.pk}/edit/")
    assert opened.status_code == 400 and "报街道审批" in opened.content.decode()


def test_staff_add_photos_to_a_published_task_from_its_page(world):
    """The API took attachments after a task was saved; the page offered no way to."""
    task = make_task(world)
    staff, resident = client_for(world.secretary_zhang), client_for(world.resident_wang)
    page = staff.get(f"/tasks/{task.pk}/").content.decode()
    assert f'action="/tasks/{task.pk}/attachments/"' in page and "添加照片或视频" in page
    assert "添加照片或视频" not in resident.get(f"/tasks/{task.pk}/").content.decode()

    r = staff.post(f"/tasks/{task.pk}/attachments/", {"files": [jpeg("楼道.jpg")]})
    assert r.status_code == 302 and r["Location"] == f"/tasks/{task.pk}/"
    assert task.attachments.count() == 1
    assert 'alt="任务附件"' in resident.get(f"/tasks/{task.pk}/").content.decode()

    # A file that is not a photo or video: refused on the field, the form open again.
    r = staff.post(
        f"/tasks/{task.pk}/attachments/",
        {"files": [SimpleUploadedFile("说明.jpg", b"MZ\x90\x00not an image")]},
    )
    body = r.content.decode()
    assert r.status_code == 400 and task.attachments.count() == 1
    assert '<details class="task-step" open><summary>添加照片或视频…' in body
    assert 'class="field-error"' in body

    # Nothing chosen: named; a resident of the community may not add any.
    r = staff.post(f"/tasks/{task.pk}/attachments/", {})
    assert r.status_code == 400 and "请选择要上传的照片或视频" in r.content.decode()
    r = resident.post(f"/tasks/{task.pk}/attachments/", {"files": [jpeg()]})
    assert r.status_code == 400 and "您无权为该任务添加附件" in r.content.decode()
    assert task.attachments.count() == 1

    # A finished task takes none, and its page no longer offers it.
    from shequ.tasks import services

    services.transition_task(world.secretary_zhang, task.pk, "close", "已完成")
    assert "添加照片或视频" not in staff.get(f"/tasks/{task.pk}/").content.decode()
    r = staff.post(f"/tasks/{task.pk}/attachments/", {"files": [jpeg()]})
    assert r.status_code == 400 and "不能再添加附件" in r.content.decode()


def test_an_ended_task_does_not_say_places_are_left(world):
    """结束任务 done, the page still said 名额 剩余 2/2, as if it could be claimed."""
    from shequ.tasks import services

    task = make_task(world, places=2)
    c = client_for(world.grid_worker_li)
    assert "剩余 2 / 2" in c.get(f"/tasks/{task.pk}/").content.decode()
    services.transition_task(world.secretary_zhang, task.pk, "close", "已完成")
    page = c.get(f"/tasks/{task.pk}/").content.decode()
    assert "剩余" not in page and "共 2 个，已接 0" in page
