"""A resource-list search matches the text as the viewer is shown it: a phone or ID number
typed into a unit's services, a team's leader, a venue's description or a skill is masked
there, and its hidden digits never decide whether a row is found."""

import pytest

from shequ.tasks import services
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def probe(search, known="138"):
    """Three digits at a time, the last two known and a guess: what a prober reads."""
    for _ in range(4):
        for d in "0123456789":
            if search(known[-2:] + d):
                known += d
                break
    return known


def test_a_search_of_three_digits_at_a_time_reads_a_masked_phone(world):
    services.add_unit(
        world.secretary_zhang,
        services.UnitInput(
            name="物业公司", kind="department", area=world.areas["A1"].code, services="报修电话13812345678"
        ),
    )
    c = client_for(world.secretary_zhang)
    assert "138****5678" in c.get("/tasks/resources/", {"tab": "unit"}).content.decode()

    def page_finds(q):
        body = c.get("/tasks/resources/", {"tab": "unit", "q": q}).content.decode()
        return "没有找到" not in body and "不能按电话" not in body

    assert probe(page_finds) == "138", "hidden digits recovered"

    def api_finds(q):
        r = c.get("/api/v1/resources/units/", {"q": q})
        return r.status_code == 200 and r.json()["count"] > 0

    assert probe(api_finds) == "138", "hidden digits recovered through the API"
    # What is shown is still found: the digits before and after the stars, and the words.
    assert page_finds("138") and page_finds("678") and page_finds("报修")
    assert [u["name"] for u in c.get("/api/v1/resources/units/", {"q": "物业"}).json()["items"]] == [
        "物业公司"
    ]


def test_a_team_leaders_venues_and_skills_masked_numbers_are_not_read_by_search(world):
    a1 = world.areas["A1"].code
    services.add_team(world.secretary_zhang, "志愿队", "volunteer", a1, "李队长 13700001111")
    services.add_venue(world.secretary_zhang, "活动室", "venue", a1, "钥匙找老周13912340000", 30)
    services.add_talent(
        world.secretary_zhang,
        world.residents["A1-1-h1-r1"].pk,
        "able",
        "电力",
        "电工，身份证110105194912310021",
    )
    c = client_for(world.user("community_staff@A1"))

    def api_finds(kind):
        return lambda q: c.get(f"/api/v1/resources/{kind}/", {"q": q}).json()["count"] > 0

    assert probe(api_finds("teams"), "137") == "137"
    assert probe(api_finds("venues"), "139") == "139"
    assert probe(api_finds("talents"), "110") == "110"  # an ID number's hidden digits
    team_page = c.get("/tasks/resources/", {"tab": "team", "q": "700"}).content.decode()
    assert "没有找到“700”" in team_page
    # Words, and the visible ends of a number, still find the row.
    assert api_finds("teams")("李队长") and api_finds("teams")("111")
    assert api_finds("venues")("老周") and api_finds("talents")("电工") and api_finds("talents")("021")
    found = c.get("/tasks/resources/", {"tab": "talent", "q": "电工"}).content.decode()
    assert world.residents["A1-1-h1-r1"].name in found


def test_a_number_kept_in_a_trade_or_field_from_before_is_shown_masked(world):
    """Numbers are refused in a skill's trade and field now, but one saved before was
    shown in full on the 能人 tab, in the API and in the task editor's list, and found by
    its hidden digits."""
    from shequ.tasks.models import Talent

    talent = services.add_talent(
        world.secretary_zhang, world.residents["A1-1-h1-r1"].pk, "able", "水电维修", "修水管"
    )
    Talent.objects.filter(pk=talent.pk).update(trade="水电 13812345678", field="找他110105194912310021")
    c = client_for(world.user("community_staff@A1"))
    page = c.get("/tasks/resources/", {"tab": "talent"}).content.decode()
    assert "13812345678" not in page and "110105194912310021" not in page
    assert "138****5678" in page
    row = next(t for t in c.get("/api/v1/resources/talents/").json()["items"] if t["id"] == talent.pk)
    assert row["trade"] == "水电 138****5678" and "194912310021" not in row["field"]
    editor = client_for(world.secretary_zhang).get("/tasks/new/").content.decode()
    assert "13812345678" not in editor

    def api_finds(q):
        return any(
            t["id"] == talent.pk for t in c.get("/api/v1/resources/talents/", {"q": q}).json()["items"]
        )

    assert probe(api_finds) == "138"
    assert api_finds("水电")
