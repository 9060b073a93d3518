"""Two staff editing one draft: a save from an editor opened before a colleague's save is
refused, says who saved and when, and keeps what was typed; saving again from that page
is then a choice made knowingly."""

import json
import re

import pytest

from shequ.core.errors import Conflict
from shequ.tasks import selectors, services
from shequ.tasks.models import Task
from shequ.tasks.tests.helpers import make_task, task_input
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def form_of(body: str) -> dict[str, str]:
    """The editor's fields as the browser would send them (the ones these tests need)."""
    values = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
    values["deadline"] = body.split('name="deadline" type="datetime-local" value="')[1].split('"')[0]
    return values


def test_the_second_of_two_editors_is_refused_with_what_they_typed(world):
    draft = make_task(world, publish=False, title="清理小广告")
    first, second = client_for(world.secretary_zhang), client_for(world.users["community_staff@A1"])
    opened_first = form_of(first.get(f"/tasks/{draft.pk}/edit/").content.decode())
    opened_second = form_of(second.get(f"/tasks/{draft.pk}/edit/").content.decode())
    assert (
        opened_first["seen"] == opened_second["seen"] == selectors.edit_version(Task.objects.get(pk=draft.pk))
    )
    common = {
        "description": "楼道墙面小广告",
        "category": "clear_ads",
        "difficulty": "easy",
        "area": world.areas["A1-1"].code,
        "audience": "public",
    }
    r = first.post(
        f"/tasks/{draft.pk}/edit/", opened_first | common | {"title": "清理1单元小广告", "places": "2"}
    )
    assert r.status_code == 302

    r = second.post(
        f"/tasks/{draft.pk}/edit/", opened_second | common | {"title": "清理2单元小广告", "places": "5"}
    )
    body = r.content.decode()
    assert r.status_code == 409
    assert "community_secretary@A1于" in body and "您这次的修改没有保存" in body
    assert 'value="清理2单元小广告"' in body  # what the second typed, to keep or copy
    draft.refresh_from_db()
    assert (draft.title, draft.places) == ("清理1单元小广告", 2)  # the first's save stands

    # The refused page carries the version now stored: saving from it is deliberate.
    again = form_of(body)
    assert again["seen"] == selectors.edit_version(Task.objects.get(pk=draft.pk))
    r = second.post(f"/tasks/{draft.pk}/edit/", again | common | {"title": "清理2单元小广告", "places": "5"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.places) == ("清理2单元小广告", 5)


def test_a_save_that_changes_nothing_between_two_editors_is_not_refused_twice(world):
    draft = Task.objects.get(pk=make_task(world, publish=False).pk)
    seen = selectors.edit_version(draft)
    data = task_input(draft)
    services.update_task(world.secretary_zhang, draft.pk, data, seen=seen)
    # Nothing that the editor shows changed, so a second editor's save still goes through.
    services.update_task(world.users["community_staff@A1"], draft.pk, data, seen=seen)
    data.places = 4
    services.update_task(world.secretary_zhang, draft.pk, data, seen=seen)
    with pytest.raises(Conflict, match="community_secretary@A1于"):
        services.update_task(world.users["community_staff@A1"], draft.pk, data, seen=seen)
    # A client that sends no version is not checked, as before.
    services.update_task(world.users["community_staff@A1"], draft.pk, data)


def test_the_api_gives_a_version_and_refuses_a_put_from_an_older_one(world):
    draft = make_task(world, publish=False)
    staff = client_for(world.secretary_zhang)
    got = staff.get(f"/api/v1/tasks/{draft.pk}").json()
    body = {
        "title": "更换楼道灯泡",
        "description": "2单元3楼楼道灯不亮",
        "category": got["category"],
        "difficulty": got["difficulty"],
        "places": 2,
        "deadline": got["deadline"],
        "area": got["area"],
    }
    r = staff.put(
        f"/api/v1/tasks/{draft.pk}", json.dumps(body | {"seen": got["version"]}), "application/json"
    )
    assert r.status_code == 200 and r.json()["version"] != got["version"]
    r = staff.put(
        f"/api/v1/tasks/{draft.pk}",
        json.dumps(body | {"places": 9, "seen": got["version"]}),
        "application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "changed"
    assert Task.objects.get(pk=draft.pk).places == 2


def test_a_colleagues_numbers_are_not_echoed_into_the_editor_and_left_empty_are_kept(world):
    """The editor showed a draft's description in full to any staff member who may edit
    it, though the task's page masks the numbers a colleague typed into it."""
    number, phone = world.full_values[world.residents["A1-1-h1-r1"].pk]
    written = f"钥匙在王阿姨家，电话{phone}，身份证{number}"
    staff = world.users["community_staff@A1"]
    draft = make_task(world, actor=staff, publish=False, title="清理小广告", description=written)
    colleague = client_for(world.secretary_zhang)
    body = colleague.get(f"/tasks/{draft.pk}/edit/").content.decode()
    assert phone not in body and number not in body
    assert f"{phone[:3]}****{phone[-4:]}" in body and "不改请留空" in body  # what is there, masked
    assert phone in client_for(staff).get(f"/tasks/{draft.pk}/edit/").content.decode()  # the writer's own
    common = {"category": "clear_ads", "difficulty": "easy", "area": world.areas["A1-1"].code}
    common |= {"audience": "public", "places": "2", "title": "清理1单元小广告"}
    r = colleague.post(f"/tasks/{draft.pk}/edit/", form_of(body) | common | {"description": ""})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.description) == ("清理1单元小广告", written)  # left empty: kept
    # A refused save keeps the field held back, and a description typed replaces it.
    opened = form_of(colleague.get(f"/tasks/{draft.pk}/edit/").content.decode())
    r = colleague.post(f"/tasks/{draft.pk}/edit/", opened | common | {"places": "0"})
    assert r.status_code == 400 and phone not in r.content.decode() and "不改请留空" in r.content.decode()
    r = colleague.post(f"/tasks/{draft.pk}/edit/", opened | common | {"description": "楼道墙面小广告"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.description == "楼道墙面小广告"


def test_a_description_read_masked_and_put_back_unchanged_keeps_its_numbers(world):
    """A client reads a colleague's draft through the API (numbers masked) and PUTs it
    back with another field changed: the stored numbers are kept, not replaced by stars."""
    text = "联系楼长王师傅13800138000，钥匙在门卫"
    draft = make_task(
        world, actor=world.users["community_staff@A1"], key="A1", publish=False, description=text
    )
    staff = client_for(world.secretary_zhang)
    got = staff.get(f"/api/v1/tasks/{draft.pk}").json()
    assert got["description"] == "联系楼长王师傅138****8000，钥匙在门卫"
    body = {k: got[k] for k in ("title", "description", "category", "difficulty", "deadline", "area")}
    r = staff.put(f"/api/v1/tasks/{draft.pk}", json.dumps(body | {"places": 4}), "application/json")
    assert r.status_code == 200, r.json()
    draft.refresh_from_db()
    assert (draft.places, draft.description) == (4, text)
    # Edited around the hidden number (a sentence added): the number is put back.
    added = {"places": 4, "description": got["description"] + "。周五前完成"}
    r = staff.put(f"/api/v1/tasks/{draft.pk}", json.dumps(body | added), "application/json")
    draft.refresh_from_db()
    assert r.status_code == 200 and draft.description == text + "。周五前完成"
    assert r.json()["description"] == got["description"] + "。周五前完成"  # still masked to them
    # A description actually rewritten is saved as sent.
    r = staff.put(
        f"/api/v1/tasks/{draft.pk}",
        json.dumps(body | {"places": 4, "description": "钥匙在门卫处"}),
        "application/json",
    )
    draft.refresh_from_db()
    assert r.status_code == 200 and draft.description == "钥匙在门卫处"
