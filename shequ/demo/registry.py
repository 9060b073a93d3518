"""Visits, floating residents and care records for the demo grid worker's grid in 平安社区
(拉布大林街道) and the first grid of 城江社区 (杏山街道), written through the people
services by the grid's own worker, so the visit, floating and care pages open on real rows.

Seed 004 (四千行动) visits every household; here about two thirds of a grid's households
were visited in the last three months, so the coverage page and the "not visited" list
both have something to show.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from shequ.access.models import RoleAssignment, User
from shequ.access.roles import Role
from shequ.areas.models import Area, AreaKind
from shequ.people import services
from shequ.people.models import CareKind, Health, Household, IncomeLevel, ResidenceType, Resident

COMMUNITIES = ("150784001012", "522635001001")
# Needs are passed on to the problem list only in 杏山街道: the problem year of 拉布大林街道
# is built to exactly 100 problems a month (seed figures), and stays so.
PASS_ON = {"522635001001"}
SITUATIONS = (
    "老两口同住，子女在外地务工，身体尚可",
    "三口之家，孩子上初中，家庭和睦",
    "独居老人，行动不便，需要定期探望",
    "新搬来的租户，在附近工厂上班",
    "家中有慢性病人，医药费负担较重",
    "夫妻均已退休，热心社区事务",
)
THOUGHTS = ("希望小区加装电梯", "关心孩子入学政策", "对物业服务有意见", "愿意参加志愿服务", "")
NEEDS = (
    ("楼道声控灯不亮", "safety_hazard"),
    ("下水道经常堵塞", "blocked_drain"),
    ("咨询低保申请条件", "subsistence_policy"),
    ("希望帮忙联系就业岗位", "employment_policy"),
    ("门口垃圾清运不及时", "garbage"),
)
EMPLOYERS = ("鑫达建材厂", "城东物流园", "平安超市", "县人民医院后勤", "个体经营")
ORIGINS = ("贵州省凯里市", "内蒙古自治区海拉尔区", "黑龙江省漠河市", "四川省达州市", "湖南省怀化市")
CARE_TEXTS = ("上门探望，了解身体情况", "电话问候，提醒按时服药", "送去米面油", "帮助打扫卫生")


def build(rng: random.Random) -> None:
    today = timezone.localdate()
    for code in COMMUNITIES:
        community = Area.objects.filter(code=code).first()
        if community is None:
            continue
        grid = (
            Area.objects.filter(kind=AreaKind.GRID, path__startswith=community.path).order_by("path").first()
        )
        holder = (
            RoleAssignment.objects.filter(role=Role.GRID_WORKER, path=grid.path)
            .select_related("user")
            .first()
            if grid
            else None
        )
        secretary = (
            RoleAssignment.objects.filter(role=Role.COMMUNITY_SECRETARY, path=community.path)
            .select_related("user")
            .first()
        )
        if grid is None or holder is None:
            continue
        # One commit for the community's records, not one per visit (~650 in all).
        with transaction.atomic():
            _visits(rng, grid, holder.user, today, pass_on=code in PASS_ON)
            if secretary is not None:
                households = Household.objects.under(grid.path).count()
                services.plan_visits(
                    secretary.user, grid.code, f"{today:%Y%m}", holder.user.pk, max(1, households * 2 // 3)
                )
            _floating(rng, grid, holder.user, today)
            _care(rng, grid, holder.user, today)


def _visits(rng: random.Random, grid: Area, worker: User, today: date, *, pass_on: bool) -> None:
    households = list(Household.objects.under(grid.path).order_by("area_path"))
    visited = rng.sample(households, k=len(households) * 2 // 3)
    passed_on = 0
    for household in visited:
        day = today - timedelta(days=rng.randint(0, 90))
        needs = (rng.choice(NEEDS),) if rng.random() < 0.25 else ()
        visit = services.record_visit(
            worker,
            household.pk,
            services.VisitInput(
                visited_on=day,
                people_met=rng.choice(("户主", "户主及配偶", "户主的子女", "全家")),
                situation=rng.choice(SITUATIONS),
                thoughts=rng.choice(THOUGHTS),
                income_level=rng.choice(IncomeLevel.values),
                health=rng.choice(Health.values),
                follow_up_on=day + timedelta(days=30) if rng.random() < 0.3 else None,
                needs=needs,
            ),
        )
        if pass_on and needs and passed_on < 3:
            services.need_to_problem(worker, visit.needs.get().pk)
            passed_on += 1


def _floating(rng: random.Random, grid: Area, worker: User, today: date) -> None:
    residents = list(Resident.objects.under(grid.path).order_by("area_path", "id"))
    floating = [r for r in residents if r.residence_type == ResidenceType.FLOATING][:40]
    heads = [r for r in residents if r.residence_type == ResidenceType.REGISTERED and r.relation == "head"]
    landlords = heads[:8]
    if not landlords:
        return
    for i, tenant in enumerate(floating):
        start = today - timedelta(days=rng.randint(30, 600))
        services.set_floating(
            worker,
            tenant.pk,
            services.FloatingInput(
                landlord_id=rng.choice(landlords).pk,
                lease_start=start,
                lease_end=today + timedelta(days=rng.randint(-10, 200)),
                employer=rng.choice(EMPLOYERS),
                permit_number=f"JZ{grid.code[-6:]}{i:06d}",
                permit_expires=today + timedelta(days=rng.randint(-5, 120)),
                origin=rng.choice(ORIGINS),
                arrived_on=start,
            ),
        )


def _care(rng: random.Random, grid: Area, worker: User, today: date) -> None:
    cutoff = today.replace(year=today.year - 70)
    elderly = list(
        Resident.objects.under(grid.path).filter(birth_date__lte=cutoff).order_by("birth_date")[:20]
    )
    for resident in elderly:
        for _ in range(rng.randint(1, 3)):
            services.record_care(
                worker,
                resident.pk,
                rng.choice(CareKind.values),
                rng.choice(CARE_TEXTS),
                today - timedelta(days=rng.randint(0, 60)),
            )
