"""党员服务积分 on its page: the member is chosen, never the first of the list by default
(a form sent with only the service typed gave her 5 points and a login), and what was
recorded, for whom, is said once it is saved."""

import pytest

from shequ.access.models import User
from shequ.points.models import ServiceRecord
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_a_service_with_no_member_chosen_is_refused_naming_the_member(world):
    first = world.residents["A1-1-h2-r2"]  # a party member of the register, no login
    staff = client_for(world.secretary_zhang)
    records = ServiceRecord.objects.count()  # the session's committed demo has its own
    page = staff.get("/points/service/").content.decode()
    select = page[page.index('<select name="resident"') :]
    assert select.index('<option value="">请选择党员</option>') < select.index(f'<option value="{first.pk}"')
    form = {"resident": "", "kind": "errand", "note": "帮王大爷代办医保", "points": "5", "served_on": ""}
    r = staff.post("/points/service/", form)
    body = r.content.decode()
    assert r.status_code == 400 and "请在“党员”中选择要记录服务积分的党员" in body
    assert "请选择您管辖范围内的一名党员" not in body  # one message, on the form's own field
    assert 'value="帮王大爷代办医保"' in body
    assert ServiceRecord.objects.count() == records and not User.objects.filter(resident=first).exists()


def test_a_recorded_service_is_told_back_with_whom_and_how_many_points(world):
    member = world.residents["A1-1-h2-r2"]
    staff = client_for(world.secretary_zhang)
    form = {
        "resident": member.pk,
        "kind": "mediation",
        "note": "调解邻里纠纷",
        "points": "6",
        "served_on": "",
    }
    r = staff.post("/points/service/", form)
    record = ServiceRecord.objects.latest("id")  # the session's committed demo has its own
    assert r.status_code == 302 and r["Location"] == f"/points/service/?recorded={record.pk}"
    page = staff.get(r["Location"]).content.decode()
    said = page[page.index('id="recorded"') :]
    said = said[: said.index("</p>")]
    assert f"已为{member.name}记录服务积分 6 分" in said and "调解邻里纠纷" in said
    # Nobody else is told of it through the address.
    other = client_for(world.street_chen).get(r["Location"]).content.decode()
    assert 'id="recorded"' not in other


def test_a_full_length_service_note_is_shown_cut_with_an_ellipsis_on_the_ledger(world):
    """The ledger's memo is the kind and the note: a note of the full 200 characters was
    cut at the column's end without a sign that more was written."""
    from shequ.points import services

    member = world.residents["A1-1-h2-r2"]
    note = "帮独居老人代办医保报销手续，" * 14 + "均已办结"  # 200 characters
    assert len(note) == 200
    record = services.record_service(
        world.secretary_zhang,
        services.ServiceInput(member=0, resident=member.pk, kind="errand", note=note, points=5),
    )
    memo = record.transaction.memo
    assert len(memo) == 200 and memo.endswith("…")
    assert memo.startswith("代办服务：帮独居老人代办医保报销手续")
    assert record.note == note  # the record keeps all of it
    short = services.memo_as_stored("调解邻里纠纷")
    assert short == "调解邻里纠纷"
