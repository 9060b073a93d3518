"""A service team of 1,700 patrol members (seed 001): its row on the 服务队 tab and in the
API's list names a bounded number of them, the task editor reads none, and all of them
are paged on the team's own page and in the API."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.people import idcard
from shequ.people.services import ResidentInput, register_resident
from shequ.tasks import selectors, services
from shequ.tasks.models import TeamMember

pytestmark = pytest.mark.django_db


def _team(world, size: int):
    """A team of A1-1 with ``size`` members: the world's residents of the grid, then new
    residents of its first household."""
    team = services.add_team(world.secretary_zhang, "巡逻队", "patrol", world.areas["A1"].code)
    household = world.households["A1-1-h1"]
    residents = [world.residents[k] for k in ("A1-1-h1-r1", "A1-1-h1-r2", "A1-1-h2-r1", "A1-1-h2-r2")]
    for i in range(size - len(residents)):
        born = date(1970, 1 + i % 12, 1 + i % 28)
        resident, _ = register_resident(
            ResidentInput(
                name=f"队员{i:03d}",
                id_number=idcard.make("370103", born, 500 + i, "M"),
                gender="M",
                birth_date=born,
                relation="other",
                residence_type="registered",
            ),
            household,
        )
        residents.append(resident)
    TeamMember.objects.bulk_create(TeamMember(team=team, resident=r) for r in residents[:size])
    return team


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_task_editor_reads_team_names_not_their_members(world):
    _team(world, 30)
    with CaptureQueriesContext(connection) as ctx:
        response = _as(world.secretary_zhang).get("/tasks/new/")
    assert response.status_code == 200
    assert "巡逻队" in response.content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if "tasks_teammember" in q["sql"]]


def test_the_team_tab_and_the_api_list_a_bounded_number_of_members(world):
    team = _team(world, 30)
    client = _as(world.secretary_zhang)
    page = client.get("/tasks/resources/?tab=team").content.decode()
    assert page.count('name="form" value="member_remove"') == selectors.TEAM_MEMBERS_SHOWN
    assert f"/tasks/teams/{team.pk}/members/" in page and "查看全部 30 名队员" in page
    row = next(t for t in client.get("/api/v1/resources/teams/").json()["items"] if t["id"] == team.pk)
    assert row["size"] == 30 and len(row["members"]) == selectors.TEAM_MEMBERS_SHOWN
    first = TeamMember.objects.filter(team=team).order_by("joined_at", "id").first()
    assert first is not None
    assert row["members"][0]["resident"] == first.resident_id  # longest-serving first


def test_every_member_is_paged_on_the_team_page_and_in_the_api(world):
    team = _team(world, 55)
    client = _as(world.secretary_zhang)
    first = client.get(f"/tasks/teams/{team.pk}/members/").content.decode()
    second = client.get(f"/tasks/teams/{team.pk}/members/?page=2").content.decode()
    assert first.count("移除</button>") == 50 and second.count("移除</button>") == 5
    assert "共 55 人" in first and "第 1 / 2 页" in first
    api = [client.get(f"/api/v1/resources/teams/{team.pk}/members?page={n}").json() for n in (1, 2)]
    assert api[0]["count"] == 55 and [len(p["items"]) for p in api] == [50, 5]
    listed = {m["resident"] for p in api for m in p["items"]}
    assert listed == set(TeamMember.objects.filter(team=team).values_list("resident_id", flat=True))


def test_a_member_is_removed_from_the_team_page_keeping_its_page(world):
    team = _team(world, 55)
    gone = world.residents["A1-1-h2-r1"]
    client = _as(world.secretary_zhang)
    r = client.post(f"/tasks/teams/{team.pk}/members/?page=2", {"resident": gone.pk})
    assert r.status_code == 302 and r["Location"].endswith("?page=2")
    assert not TeamMember.objects.filter(team=team, resident=gone).exists()
    again = client.post(f"/tasks/teams/{team.pk}/members/", {"resident": gone.pk})
    assert again.status_code == 400 and "该居民不是该服务队队员" in again.content.decode()


def test_a_team_above_the_viewers_scope_does_not_list_its_members(world):
    team = services.add_team(world.street_chen, "街道志愿队", "volunteer", world.areas["A"].code)
    services.add_team_member(world.street_chen, team.pk, world.residents["A2-1-h1-r1"].pk)
    client = _as(world.secretary_zhang)
    assert client.get(f"/tasks/teams/{team.pk}/members/").status_code == 404
    assert client.get(f"/api/v1/resources/teams/{team.pk}/members").status_code == 404
