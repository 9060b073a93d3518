"""A problem the street sends back down (派遣 at the community's level) before the joint
meeting no longer waits on the meeting: the agenda went on listing it as 待讨论 with its
标记已讨论 button, for the meeting to discuss a problem the community now handles."""

import pytest

from shequ.problems import services
from shequ.problems.models import AgendaItem, ProblemEvent
from shequ.problems.tests.helpers import act, report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _row(page: str, number: str) -> str:
    start = page.index(number)
    return page[start : page.index("</tr>", start)]


def test_a_problem_sent_back_down_before_the_meeting_is_not_waiting_on_it(world):
    staff, street = world.users["community_staff@A1"], world.street_chen
    p = report(world, category="blocked_drain", description="主管道堵塞，社区无法疏通")
    act(world, staff, p, "accept")
    act(world, staff, p, "dispatch")
    act(world, staff, p, "escalate", note="社区解决不了")
    item = AgendaItem.objects.get(problem=p)
    assert "待讨论" in _row(client_for(street).get("/problems/agenda/").content.decode(), p.number)

    # Given: the street sends it back to the community before the meeting.
    act(world, street, p, "dispatch", level="community", note="由社区牵头，物业配合")

    # Then: the agenda says it is handled by the community, without the button.
    page = client_for(street).get("/problems/agenda/").content.decode()
    row = _row(page, p.number)
    assert "已交社区层级办理，不需讨论" in row
    assert "待讨论" not in row and "标记已讨论" not in row
    # And a page loaded before it was sent down cannot mark it discussed.
    r = client_for(street).post("/problems/agenda/", {"item": item.pk})
    assert r.status_code == 400 and f"问题{p.number}已交社区层级办理，不需讨论" in r.content.decode()
    item.refresh_from_db()
    assert item.discussed_at is None
    assert not ProblemEvent.objects.filter(problem=p, action="agenda_discussed").exists()

    # When the community escalates it again, it waits on the meeting once more, and the
    # step says so, as a first listing does.
    p = act(world, staff, p, "escalate", note="社区仍无法解决")
    step = ProblemEvent.objects.filter(problem=p, action="escalate").latest("id")
    assert step.label == "上报上一级，列入联席会议议题"
    row = _row(client_for(street).get("/problems/agenda/").content.decode(), p.number)
    assert "待讨论" in row and "标记已讨论" in row
    assert services.mark_discussed(street, item.pk).discussed_at is not None
