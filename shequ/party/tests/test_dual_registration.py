"""双报到: a party member who works elsewhere (a county office's in-service member, seed
001 "县直单位在职党员到社区报到"; seed 002 "双报到、双服务") reports to a community to
"亮身份、领任务": once the community's staff record it, they see and claim its public
tasks as its residents do, and their points count where they serve."""

import pytest

from shequ.access.audit import AuditEvent
from shequ.core.errors import DomainError
from shequ.people.models import Resident
from shequ.points import selectors as points_selectors
from shequ.points.models import Account
from shequ.tasks import selectors as task_selectors
from shequ.tasks import services as tasks
from shequ.tasks.tests.helpers import act, make_task, prove
from shequ.testing.clients import client_for, send_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/party/dual-registrations"


def register(world, user, key="A1", unit="县供电局"):
    r = send_json(
        client_for(world.secretary_zhang),
        "POST",
        URL,
        {"community": world.areas[key].code, "username": user.username, "unit": unit},
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_a_unit_party_member_reporting_in_claims_a_public_task_and_earns_pioneer_points(world):
    # Given the in-service member of a unit of community A2, with no home in the register,
    # reporting to community A1 (a 共建 unit's member taken as a private person is refused).
    member = world.users["partner_unit@A2"]
    task = make_task(world, key="A1-1")
    with pytest.raises(DomainError):
        tasks.claim_task(member, task.pk)
    body = register(world, member)
    assert body["community"] == world.areas["A1"].code and body["unit"] == "县供电局"
    # When they claim A1's public task, prove it and it is accepted,
    claim = tasks.claim_task(member, task.pk)
    act(world.secretary_zhang, prove(member, claim), "accept")
    # then the points are theirs, in A1 where they serve, on its 社区治理先锋 list.
    account = Account.objects.get(user=member)
    assert account.kind == "party_member" and account.area_id == world.areas["A1"].pk
    assert account.balance == task.points
    year, quarter = points_selectors.current_quarter(claim.claimed_at.date())
    pioneers = points_selectors.ranking(world.areas["A1"], "party_member", year, quarter)
    assert account.pk in [r.account_id for r in pioneers]
    assert AuditEvent.objects.filter(event="party.dual_register", actor_id=world.secretary_zhang.pk).exists()


def test_a_party_member_living_elsewhere_sees_the_task_on_the_board_of_the_community_reported_to(world):
    resident_login = world.users["resident@A2-1-h1"]
    Resident.objects.filter(pk=resident_login.resident_id).update(party_member_kind="in_service")
    resident_login.refresh_from_db()
    task = make_task(world, key="A1-1", title="清理楼道小广告")
    assert not task_selectors.board(resident_login).filter(pk=task.pk).exists()
    register(world, resident_login)
    assert task_selectors.board(resident_login).filter(pk=task.pk).exists()
    page = client_for(resident_login).get(f"/tasks/{task.pk}/").content.decode()
    assert 'value="claim"' in page
    claim = tasks.claim_task(resident_login, task.pk)
    assert claim.status == "claimed"


def test_only_a_party_member_is_registered_and_only_once_and_only_in_scope(world):
    client = client_for(world.secretary_zhang)
    code = world.areas["A1"].code
    not_member = world.users["resident@A2-1-h2"]  # registered as 群众
    r = send_json(client, "POST", URL, {"community": code, "username": not_member.username})
    assert r.status_code == 400 and "不是党员" in r.json()["fields"]["username"]
    r = send_json(client, "POST", URL, {"community": code, "username": "nobody-here"})
    assert r.status_code == 400 and "nobody-here" in r.json()["fields"]["username"]
    member = world.users["partner_unit@A2"]
    register(world, member)
    r = send_json(client, "POST", URL, {"community": code, "username": member.username})
    assert r.status_code == 400 and "不能重复登记" in r.json()["fields"]["username"]
    # Another community's secretary neither registers in A1 nor sees nor ends A1's.
    outsider = client_for(world.outsider_zhao)
    r = send_json(outsider, "POST", URL, {"community": code, "username": member.username})
    assert r.status_code == 404
    listed = client_for(world.secretary_zhang).get(URL).json()["items"]
    mine = [x for x in listed if x["username"] == member.username]
    assert len(mine) == 1
    assert member.username not in [x["username"] for x in outsider.get(URL).json()["items"]]
    assert outsider.delete(f"{URL}/{mine[0]['id']}").status_code == 404
    # Ended by A1's staff, the member claims A1's public tasks no more.
    assert client.delete(f"{URL}/{mine[0]['id']}").status_code == 204
    with pytest.raises(DomainError):
        tasks.claim_task(member, make_task(world, key="A1-1").pk)


def test_the_secretary_records_a_member_on_the_page_and_a_mistake_keeps_what_was_typed(world):
    client = client_for(world.secretary_zhang)
    code = world.areas["A1"].code
    page = client.get("/party/dual/").content.decode()
    assert "双报到党员" in page and f'value="{code}"' in page
    # A login that is no party member's: the form comes back with what was typed.
    not_member = world.users["resident@A2-1-h2"]
    r = client.post("/party/dual/", {"community": code, "username": not_member.username, "unit": "县财政局"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "不是党员" in text and f'value="{not_member.username}"' in text and 'value="县财政局"' in text
    member = world.users["partner_unit@A2"]
    r = client.post("/party/dual/", {"community": code, "username": member.username, "unit": "县供电局"})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "已登记" in page and "县供电局" in page
    # The resource list leads there.
    assert "/party/dual/" in client.get("/tasks/resources/").content.decode()


def test_staff_are_not_registered_in_their_own_community_nor_by_themselves(world):
    client = client_for(world.secretary_zhang)
    code = world.areas["A1"].code
    # A grid worker of A1 would claim A1's public tasks and be paid from its points.
    worker = world.grid_worker_li
    r = send_json(client, "POST", URL, {"community": code, "username": worker.username})
    assert r.status_code == 400 and "工作人员" in r.json()["fields"]["username"]
    r = send_json(client, "POST", URL, {"community": code, "username": world.secretary_zhang.username})
    assert r.status_code == 400 and "不能为自己登记" in r.json()["fields"]["username"]
    # Staff of another community may report here, as any in-service member.
    r = send_json(client, "POST", URL, {"community": code, "username": world.outsider_zhao.username})
    assert r.status_code == 201


def test_a_staff_login_of_another_community_reporting_in_finds_its_tasks_and_points_in_the_menu(world):
    outsider = world.outsider_zhao  # the secretary of community B1, a party member working there
    client = client_for(outsider)
    assert 'href="/tasks/mine/"' not in client.get("/tasks/").content.decode()
    register(world, outsider)
    page = client.get("/tasks/").content.decode()
    assert 'href="/tasks/mine/"' in page and 'href="/points/"' in page


def test_ending_a_registration_gives_back_the_places_held_without_proof(world):
    """Ended, the member claimed the community's tasks no more, but the places they held
    without proof stayed theirs: nobody else could take them, and they could not act."""
    from shequ.notifications.models import Notification
    from shequ.tasks.models import ClaimStatus

    member = world.users["partner_unit@A2"]
    held_task, proved_task = make_task(world, key="A1-1"), make_task(world, key="A1-1")
    body = register(world, member)
    held = tasks.claim_task(member, held_task.pk)
    proved = prove(member, tasks.claim_task(member, proved_task.pk))
    r = client_for(world.secretary_zhang).delete(f"{URL}/{body['id']}")
    assert r.status_code == 204
    held.refresh_from_db()
    proved.refresh_from_db()
    held_task.refresh_from_db()
    assert held.status == ClaimStatus.WITHDRAWN and held_task.filled == 0
    assert proved.status == ClaimStatus.SUBMITTED  # proof sent is still reviewed
    assert Notification.objects.filter(
        user=member, link=f"/tasks/claims/{held.pk}/", text__contains="报到"
    ).exists()
    ended = AuditEvent.objects.filter(event="party.dual_end").latest("id")
    assert ended.object_id == str(body["id"]) and ended.detail.get("claims_withdrawn") == 1
