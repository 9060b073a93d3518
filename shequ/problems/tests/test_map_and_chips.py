"""The 民情地图 and the board's status chips agree with the board: what they count, what
they leave out, and who may see them."""

import re

import pytest
from django.test import override_settings

from shequ.problems import selectors, services
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _chips(client, board_url):
    """The chips the board loads after itself, as {label: number}, with their links."""
    board = client.get(board_url).content.decode()
    found = re.search(r'hx-get="([^"]+)"', board)
    assert found is not None
    url = found.group(1).replace("&amp;", "&")
    html = client.get(url).content.decode()
    numbers = {label.strip(): int(n) for label, n in re.findall(r">([^<>]+) <b>(\d+)</b>", html)}
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]
    return numbers, links


def test_the_chips_count_what_the_filtered_board_lists_and_keep_its_filters(world):
    report(world, category="blocked_drain")
    report(world, category="garbage")
    c = client_for(world.secretary_zhang)
    numbers, links = _chips(c, "/problems/?category=garbage&source=resident")
    listed = c.get("/problems/?category=garbage&source=resident").context["page"].paginator.count
    assert numbers["已上报"] == listed == 1
    assert all("category=garbage" in link and "source=resident" in link for link in links)
    numbers, _ = _chips(c, "/problems/")
    assert numbers["已上报"] == 2


def test_with_no_area_chosen_the_chips_count_every_area_the_board_lists(world):
    from shequ.access.roles import Role
    from shequ.access.services import assign_role

    worker = world.grid_worker_li
    assign_role(worker, Role.GRID_WORKER, world.areas["A1-2"].code)
    report(world, key="A1-1")
    report(world, actor=world.users["resident@A1-2-h1"], key="A1-2")
    c = client_for(worker)
    listed = c.get("/problems/").context["page"].paginator.count
    numbers, _ = _chips(c, "/problems/")
    assert numbers["已上报"] == listed == 2


def test_a_board_opened_on_a_building_keeps_it_in_its_area_choice(world):
    building = world.areas["A1-1-b"].code
    board = client_for(world.grid_worker_li).get(f"/problems/?area={building}&open=1").content.decode()
    choice = re.search(r'<select name="area">(.*?)</select>', board, re.S)
    assert choice is not None and f'value="{building}" selected' in choice.group(1)


def test_the_map_says_what_its_shades_and_pins_leave_out(world, monkeypatch):
    staff = world.users["community_staff@A1"]
    services.report_problem(
        staff,
        services.ReportInput(
            category="blocked_drain",
            description="12345来电：小区下水道堵塞",
            source="hotline",
            hotline_order_no="MAP-0001",
            area=world.areas["A1"].code,
        ),
    )
    for _ in range(3):
        report(world)
    monkeypatch.setattr(selectors, "MAP_PINS", 2)
    r = client_for(world.secretary_zhang).get("/problems/map/")
    page = r.content.decode()
    shaded = sum(f["properties"]["open"] for f in r.context["grids"]["features"])
    assert (shaded, len(r.context["points"]), r.context["pins"], r.context["unshaded"]) == (3, 2, 3, 1)
    assert "共 3 个带坐标的未办结问题，地图只画出其中 2 个" in page
    assert "另有 1 件未办结问题没有落在地图上的网格内" in page
    assert f'href="/problems/?area={world.areas["A1"].code}&amp;open=1"' in page


def test_the_map_draws_the_most_overdue_pins_first(world, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    late, fresh = report(world), report(world)
    Problem.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=9))
    Problem.objects.filter(pk=fresh.pk).update(due_at=timezone.now() + timedelta(days=9))
    monkeypatch.setattr(selectors, "MAP_PINS", 1)
    points, total = selectors.map_points(world.secretary_zhang, world.areas["A1"].path)
    assert ([p["id"] for p in points], total) == ([late.pk], 2)


@override_settings(MAP_TILE_URL="http://tiles.intranet/{z}/{x}/{y}.png")
def test_the_map_uses_the_configured_tile_server(world):
    assert "tiles.intranet" in client_for(world.secretary_zhang).get("/problems/map/").content.decode()


@pytest.mark.parametrize("who", ["auditor@A", "partner_unit@A1"])
def test_who_sees_no_problems_gets_no_map_and_no_chips_of_zeros(world, who):
    c = client_for(world.users[who])
    code = world.areas["A"].code if who == "auditor@A" else world.areas["A1"].code
    assert c.get("/problems/map/", {"area": code}).status_code == 404
    assert c.get("/problems/counts/", {"area": code}).status_code == 404


@override_settings(MAP_TILE_URL="http://tiles.intranet/{z}/{x}/{y}.png")
def test_the_report_form_and_the_problem_page_draw_the_tile_server_too(world):
    p = report(world)
    assert "tiles.intranet" in client_for(world.resident_wang).get("/problems/new/").content.decode()
    assert "tiles.intranet" in client_for(world.resident_wang).get(f"/problems/{p.pk}/").content.decode()


def test_the_page_offers_no_step_the_service_would_refuse(world):
    """重新打开 was offered after the 30 days, and 核查 to whoever reported the work done:
    both refused only after the form was filled in."""
    from datetime import timedelta

    from django.utils import timezone

    from shequ.problems.selectors import actions_for
    from shequ.problems.tests.helpers import act, jpeg

    staff = world.users["community_staff@A1"]
    p = report(world)
    for action in ("accept", "dispatch", "start"):
        act(world, staff, p, action)
    act(world, staff, p, "report_back", note="好了", photos=[jpeg()])
    p = Problem.objects.get(pk=p.pk)
    assert not {"verify_pass", "verify_fail"} & {a for a, _ in actions_for(staff, p)}
    assert {"verify_pass", "verify_fail"} <= {a for a, _ in actions_for(world.secretary_zhang, p)}
    act(world, world.secretary_zhang, p, "verify_pass")
    Problem.objects.filter(pk=p.pk).update(closed_at=timezone.now() - timedelta(days=31))
    c = client_for(world.resident_wang)
    assert "reopen" not in c.get(f"/api/v1/problems/{p.pk}").json()["allowed_actions"]
    page = c.get(f"/problems/{p.pk}/").content.decode()
    assert "不能再重新打开" in page and 'href="/problems/new/"' in page
    # The 回访评价 note no longer asks for a reason to reopen.
    assert "重新打开时请写明原因" not in page
    Problem.objects.filter(pk=p.pk).update(closed_at=timezone.now() - timedelta(days=1))
    assert "重新打开时请写明原因" in c.get(f"/problems/{p.pk}/").content.decode()


def test_moving_to_another_area_on_the_map_keeps_its_filters(world):
    from shequ.access.roles import Role
    from shequ.access.services import assign_role

    worker = world.grid_worker_li
    assign_role(worker, Role.GRID_WORKER, world.areas["A1-2"].code)
    page = client_for(worker).get("/problems/map/", {"category": "garbage", "overdue": "1"}).content.decode()
    assert f'href="?area={world.areas["A1-2"].code}&amp;category=garbage&amp;overdue=1"' in page


def test_the_chips_count_the_place_the_board_lists_for_one_who_sees_part_of_it(world):
    """A grid worker who also holds a role over the whole community (a partner unit's
    contact) picks the community on the board: the board lists what they may see there;
    the chips answered 404 and stayed at 正在统计…"""
    from django.test import Client

    from shequ.access.services import add_user, assign_role
    from shequ.problems.tests.helpers import report

    user = add_user(
        "grid-and-unit", "x-Very-long-pass-2026", role="grid_worker", area_code=world.areas["A1-1"].code
    )
    assign_role(user, "partner_unit", world.areas["A1"].code)
    report(world)
    c = Client()
    c.force_login(user)
    code = world.areas["A1"].code
    board = c.get("/problems/", {"area": code})
    assert board.status_code == 200 and f'value="{code}" selected' in board.content.decode()
    chips = c.get("/problems/counts/", {"area": code}, HTTP_HX_REQUEST="true")
    assert chips.status_code == 200 and "正在统计" not in chips.content.decode()


def test_the_map_lists_its_shades_as_text_for_who_cannot_use_the_map(world):
    """The shades and their links were only on the canvas: a screen reader or a keyboard
    found no way to a grid's open problems."""
    for _ in range(2):
        report(world, key="A1-1")
    r = client_for(world.secretary_zhang).get("/problems/map/")
    page = r.content.decode()
    grids = r.context["grids"]["features"]
    busy = [f["properties"] for f in grids if f["properties"]["open"]]
    assert [(g["name"], g["open"]) for g in r.context["listing"]] == [(g["name"], g["open"]) for g in busy]
    assert busy and busy[0]["open"] == 2
    listed = re.search(r'<h2 id="grid-list">.*?</table>', page, re.S)
    assert listed is not None
    row = f'<a href="{busy[0]["href"].replace("&", "&amp;")}">{busy[0]["name"]}</a></td><td>2</td>'
    assert row in listed.group(0)
    assert (len(grids), len(busy)) == (2, 1)  # the world's two grids, A1-1 reported in
    assert "其余 1 个网格没有未办结问题" in page
