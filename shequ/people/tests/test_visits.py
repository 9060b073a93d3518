from datetime import date, timedelta

import pytest
from django.utils import timezone

from shequ.core.errors import NotFound, ValidationFailed
from shequ.people import selectors, services
from shequ.people.models import Household, Visit
from shequ.people.services import VisitInput
from shequ.problems.models import Source

pytestmark = pytest.mark.django_db


def visit(world, actor, household_key, day, needs=()):
    data = VisitInput(visited_on=day, people_met="户主", situation="一家两口，身体尚可", needs=needs)
    return services.record_visit(actor, world.households[household_key].pk, data)


def test_a_grid_worker_records_a_visit_with_needs_in_their_grid_only(world):
    today = timezone.localdate()
    v = visit(
        world, world.grid_worker_li, "A1-1-h1", today, needs=(("楼道灯坏了", "safety_hazard"), ("", ""))
    )
    assert v.area_path == world.households["A1-1-h1"].area_path
    assert [n.description for n in v.needs.all()] == ["楼道灯坏了"]
    with pytest.raises(NotFound):
        visit(world, world.grid_worker_li, "A1-2-h1", today)  # another grid: the same 404
    with pytest.raises(NotFound):
        visit(world, world.users["building_head@A1-1-b"], "A1-1-h1", today)


def test_visit_form_errors_name_each_field(world):
    data = VisitInput(
        visited_on=timezone.localdate() + timedelta(days=1),
        people_met="",
        situation="",
        income_level="rich",
        follow_up_on=timezone.localdate(),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.record_visit(world.grid_worker_li, world.households["A1-1-h1"].pk, data)
    assert exc.value.fields == {
        "visited_on": "走访日期不能晚于今天",
        "people_met": "请填写见到了谁，如 户主及配偶",
        "situation": "请填写家庭情况（至少2个字）",
        "income_level": "收入水平不在可选范围内",
        "follow_up_on": "回访日期不能早于走访日期",
    }


def test_a_need_with_a_category_that_does_not_exist_is_named(world):
    """The API kept a need under any category sent ("nonexistent"); passing it on then
    answered 请选择问题类别, as if none had been chosen."""
    data = VisitInput(
        visited_on=timezone.localdate(),
        people_met="户主",
        situation="一家两口",
        needs=(("楼道灯坏了", "safety_hazard"), ("路面塌陷", "nonexistent")),
    )
    before = Visit.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.record_visit(world.grid_worker_li, world.households["A1-1-h1"].pk, data)
    assert exc.value.fields == {"needs.1": "第 2 条需求的问题类别“nonexistent”不存在，请重新选择"}
    assert Visit.objects.count() == before


def test_a_follow_up_date_years_away_is_named(world):
    """A year scrolled too far on a phone's date picker (2062 for 2026) was kept as the
    回访日期, as was 9999-12-31 from the API."""
    today = timezone.localdate()
    for far in (today + timedelta(days=367), date(9999, 12, 31)):
        data = VisitInput(visited_on=today, people_met="户主", situation="一家两口", follow_up_on=far)
        with pytest.raises(ValidationFailed) as exc:
            services.record_visit(world.grid_worker_li, world.households["A1-1-h1"].pk, data)
        limit = today + timedelta(days=366)
        assert exc.value.fields == {"follow_up_on": f"回访日期不能晚于走访后一年（{limit:%Y年%m月%d日}）"}
    data = VisitInput(
        visited_on=today, people_met="户主", situation="一家两口", follow_up_on=today + timedelta(days=366)
    )
    assert services.record_visit(world.grid_worker_li, world.households["A1-1-h1"].pk, data).pk


def test_a_need_becomes_a_visit_problem_in_one_step_once(world):
    v = visit(
        world, world.grid_worker_li, "A1-1-h2", timezone.localdate(), needs=(("下水道堵了", "blocked_drain"),)
    )
    need = v.needs.get()
    problem = services.need_to_problem(world.grid_worker_li, need.pk)
    assert problem.source == Source.VISIT and "下水道堵了" in problem.description
    assert problem.area_path.startswith(world.areas["A1-1-b"].path)
    need.refresh_from_db()
    assert need.problem_id == problem.pk
    with pytest.raises(ValidationFailed) as exc:
        services.need_to_problem(world.grid_worker_li, need.pk)
    assert exc.value.fields == {"need": "这条需求已转入问题清单"}
    with pytest.raises(NotFound):
        services.need_to_problem(world.outsider_zhao, need.pk)


def test_a_need_without_a_category_asks_for_one_on_the_page(world):
    """The page's category select had no empty choice: a need recorded without one was
    turned into a problem of the first category (邻里矛盾), routed and booked as such."""
    from django.test import Client

    from shequ.problems.models import Problem

    v = visit(world, world.grid_worker_li, "A1-1-h2", timezone.localdate(), needs=(("想了解高龄津贴", ""),))
    need = v.needs.get()
    c = Client()
    c.force_login(world.grid_worker_li)
    page = c.get(f"/visits/{v.pk}/").content.decode()
    assert '<select name="category" aria-label="问题类别"><option value="">请选择类别</option>' in page
    assert " selected>" not in page.split('name="category"')[1].split("</select>")[0]
    before = Problem.objects.count()
    r = c.post(f"/visits/needs/{need.pk}/problem/", {"category": ""})
    assert r.status_code == 400 and "请选择问题类别" in r.content.decode()
    assert Problem.objects.count() == before


def test_coverage_per_grid_and_worker_on_a_known_fixture(world):
    # Grid A1-1 has 2 households, A1-2 has 2. Li (A1-1) visits both of his, one twice;
    # the secretary visits one in A1-2; a visit before the period does not count.
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    Visit.objects.all().delete()
    li, zhang = world.grid_worker_li, world.secretary_zhang
    visit(world, li, "A1-1-h1", date(2026, 11, 3))
    visit(world, li, "A1-1-h1", date(2026, 11, 9))
    visit(world, li, "A1-1-h2", date(2026, 11, 10))
    visit(world, zhang, "A1-2-h1", date(2026, 11, 12))
    visit(world, zhang, "A1-2-h2", date(2026, 10, 30))
    services.plan_visits(zhang, world.areas["A1-1"].code, "202611", li.pk, 2)

    by_grid, by_worker = selectors.coverage(zhang, world.areas["A1"], start, end)

    grids = {c.code: (c.households, c.visited, c.planned) for c in by_grid}
    a11, a12 = world.areas["A1-1"].code, world.areas["A1-2"].code
    assert grids == {a11: (2, 2, 2), a12: (2, 1, 0)}
    assert [c.rate for c in by_grid] == [1.0, 0.5]
    workers = {c.label: (c.households, c.visited, c.planned) for c in by_worker}
    assert workers[str(li)] == (2, 2, 2)
    assert workers[str(world.users["grid_worker@A1-2"])] == (2, 0, 0)
    # Li sees his own grid only.
    by_grid, _ = selectors.coverage(li, world.areas["A1"], start, end)
    assert [c.code for c in by_grid] == [a11]


def test_households_not_visited_for_n_days_come_first_when_never_visited(world):
    Visit.objects.all().delete()
    today = date(2026, 11, 22)
    visit(world, world.grid_worker_li, "A1-1-h1", date(2026, 11, 20))
    visit(world, world.grid_worker_li, "A1-1-h2", date(2026, 7, 1))
    rows = list(selectors.households_not_visited(world.grid_worker_li, days=90, today=today))
    assert [h.pk for h in rows] == [world.households["A1-1-h2"].pk]
    rows = list(selectors.households_not_visited(world.secretary_zhang, days=90, today=today))
    last = [getattr(h, "last_visit") for h in rows]  # noqa: B009 - an annotation
    assert rows[-1].pk == world.households["A1-1-h2"].pk and last[-1] == date(2026, 7, 1)
    assert set(last[:-1]) == {None}
    assert len(rows) == Household.objects.under(world.areas["A1"].path).count() - 1


def test_plans_are_for_a_grid_worker_of_that_grid(world):
    zhang = world.secretary_zhang
    with pytest.raises(ValidationFailed) as exc:
        services.plan_visits(
            zhang, world.areas["A1-1"].code, "2026-11", world.users["grid_worker@A1-2"].pk, 9
        )
    assert exc.value.fields == {
        "month": "月份格式应为 YYYYMM（例如 202611），您填写的是“2026-11”",
        "worker": "请选择负责这个网格走访的网格员",
        "target_households": "计划走访户数不能超过网格内的户数（2户）",
    }
    with pytest.raises(NotFound):
        services.plan_visits(
            world.grid_worker_li, world.areas["A1-1"].code, "202611", world.grid_worker_li.pk, 1
        )


def test_a_worker_who_left_is_not_offered_for_plans_and_listed_only_for_visits_made(world):
    """A grid worker who left (account stopped; the role assignments stay for the record)
    was still listed under 按网格员 with 0 % beside the new worker's households, and offered
    in the plan form, where choosing them was refused."""
    from django.test import Client

    from shequ.access.roles import Role
    from shequ.access.services import add_user, deactivate_user

    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    grid = world.areas["A1-2"].code
    visited, idle = (
        add_user(f"left-{n}-a12", "pw-left-2026", role=Role.GRID_WORKER, area_code=grid, display_name=n)
        for n in ("离职走访过", "离职没走访")
    )
    visit(world, visited, "A1-2-h1", today)
    deactivate_user(visited)
    deactivate_user(idle)
    zhang = world.secretary_zhang

    _, by_worker = selectors.coverage(zhang, world.areas["A1"], start, end)

    workers = {c.label: c for c in by_worker}
    assert "离职没走访" not in workers
    assert (workers["离职走访过"].visited, workers["离职走访过"].active) == (1, False)
    assert workers[str(world.users["grid_worker@A1-2"])].active
    client = Client()
    client.force_login(zhang)
    page = client.get("/visits/coverage/", {"area": world.areas["A1"].code}).content.decode()
    plan_form = page[page.index('name="worker"') :]
    assert f'value="{visited.pk}"' not in plan_form and f'value="{idle.pk}"' not in plan_form
    assert f'value="{world.users["grid_worker@A1-2"].pk}"' in plan_form
