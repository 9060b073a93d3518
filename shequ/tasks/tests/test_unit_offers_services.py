"""A partner unit opens its resources to the community (资源共享): what it offers is its
line of the resource list, from which staff aim targeted tasks at it. Only staff could
write it; the unit's own member, who knows, had no way to say it. Now a member writes
it from the task board's line for their unit, and the community's staff are told."""

import pytest
from django.test import Client

from shequ.core.errors import NotFound
from shequ.notifications.models import Notification
from shequ.tasks import services
from shequ.tasks.models import PartnerUnit
from shequ.tasks.tests.helpers import unit_with_member

pytestmark = pytest.mark.django_db


def test_a_member_says_what_the_unit_offers_and_staff_are_told(world):
    # Given: community A1's unit login, a member of 区供电所
    unit, partner = unit_with_member(world)
    c = Client()
    c.force_login(partner)
    # The board names their unit with a link to say what it offers
    board = c.get("/tasks/").content.decode()
    assert "本单位：区供电所" in board and f"/tasks/units/{unit.pk}/offer/" in board
    # An empty text comes back with the field named
    r = c.post(f"/tasks/units/{unit.pk}/offer/", {"services": "  "})
    assert r.status_code == 400 and "请填写本单位可提供的服务" in r.content.decode()
    # Too long: refused, naming the limit, with what was typed kept
    long = "用电安全检查" * 40
    r = c.post(f"/tasks/units/{unit.pk}/offer/", {"services": long})
    assert r.status_code == 400 and "200" in r.content.decode() and long in r.content.decode()
    # When: they save what it offers
    r = c.post(f"/tasks/units/{unit.pk}/offer/", {"services": "用电安全检查、电力设备运维"})
    assert r.status_code == 302
    # Then: it is the unit's line of the resource list, and the community's staff hear of it
    assert PartnerUnit.objects.get(pk=unit.pk).services == "用电安全检查、电力设备运维"
    told = Notification.objects.filter(user=world.secretary_zhang, link="/tasks/resources/?tab=unit")
    assert told.filter(text__contains="区供电所更新了可提供的服务").exists()
    assert "用电安全检查、电力设备运维" in c.get("/tasks/").content.decode()


def test_nobody_outside_the_unit_writes_its_offer(world):
    unit, _ = unit_with_member(world)
    stranger = world.users["partner_unit@A2"]
    with pytest.raises(NotFound):
        services.offer_unit_services(stranger, unit.pk, "随便写写")
    c = Client()
    c.force_login(stranger)
    assert c.get(f"/tasks/units/{unit.pk}/offer/").status_code == 404
    assert PartnerUnit.objects.get(pk=unit.pk).services == ""
