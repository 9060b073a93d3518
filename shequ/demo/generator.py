"""Build the demo streets from the seed figures, reproducibly from a random seed.

People are fictitious: names drawn from common surnames and given-name characters, ID
numbers valid for the street's county with birth dates matching their ages, mobile numbers
in real number ranges. Everything is written through the areas, people, party and access
services; counts shown later are counted from these rows, never stored.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from shequ.access import audit
from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import add_user, bulk_add_role_holders
from shequ.areas.models import Area, AreaKind
from shequ.areas.services import create_area, import_divisions, set_geometry
from shequ.demo.streets import PLANS, PROBLEMS_PER_MONTH, StreetPlan
from shequ.party.models import PartyOrg, PartyOrgKind
from shequ.party.services import create_party_org
from shequ.people import idcard
from shequ.people.models import (
    CareGroup,
    Household,
    PartyMemberKind,
    Relation,
    ResidenceType,
)
from shequ.people.services import ResidentInput, bulk_register_households, bulk_register_residents

DIVISIONS = Path(__file__).resolve().parent.parent / "areas" / "data" / "divisions.csv"
DEMO_PASSWORD = "shequ-demo-2026"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
)
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文海东亮成"
GIVEN_F = "芳娜敏静丽艳娟霞秀英华慧巧美玲桂兰萍红玉梅琳雪倩婷颖琴云洁燕晶丹莉月凤佳欣悦"
MOBILE_PREFIXES = (
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "182",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "186",
    "133",
    "153",
    "180",
    "189",
    "177",
    "199",
)


@dataclass
class StreetResult:
    street: Area
    communities: list[Area] = field(default_factory=list)
    residents: int = 0


def split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole numbers (largest first)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def tile(bounds: tuple[float, float, float, float], count: int) -> list[list[list[float]]]:
    """``count`` rectangles that exactly tile ``bounds`` (rows of near-equal cells)."""
    minx, miny, maxx, maxy = bounds
    rows = max(1, round(math.sqrt(count)))
    per_row = split(count, rows)
    cells = []
    height = (maxy - miny) / rows
    for r, n in enumerate(per_row):
        y0, y1 = maxy - (r + 1) * height, maxy - r * height
        width = (maxx - minx) / n
        for c in range(n):
            x0, x1 = minx + c * width, minx + (c + 1) * width
            ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
            cells.append([[round(x, 6), round(y, 6)] for x, y in ring])
    return cells


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


class People:
    """Draws plausible people; ID sequence numbers kept unique per birth date."""

    def __init__(self, rng: random.Random, region: str) -> None:
        self.rng = rng
        self.region = region
        self.used: dict[tuple[date, str], int] = defaultdict(int)
        self.today = timezone.localdate()
        # A city's mobiles come from the blocks (the 4 digits after the network prefix)
        # assigned to it, not from all 10,000: 300 per region keeps a street's numbers in
        # ~7,500 blocks, which phones.normalize checks once each (its cache holds 8,192).
        self.blocks = tuple(f"{n:04d}" for n in random.Random(region).sample(range(10**4), 300))

    def given(self, gender: str) -> str:
        pool = GIVEN_M if gender == "M" else GIVEN_F
        return "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2))))

    def birth(self, age: int) -> date:
        start = self.today.replace(month=1, day=1) - timedelta(days=365.25 * age)
        return start - timedelta(days=self.rng.randrange(365))

    def id_number(self, born: date, gender: str) -> str:
        seq = self.used[(born, gender)]
        self.used[(born, gender)] += 1
        if seq >= 500:
            raise RuntimeError("too many people born on one day for one county")
        return idcard.make(self.region, born, seq, gender)

    def mobile(self) -> str:
        prefix, n = self.rng.choice(MOBILE_PREFIXES), self.rng.randrange(10**8)
        return prefix + self.blocks[n // 10**4 % len(self.blocks)] + f"{n % 10**4:04d}"


def _household_sizes(rng: random.Random, households: int, residents: int) -> list[int]:
    sizes = [1] * households
    extra = residents - households
    weights = [1.0] * households
    while extra > 0:
        for i in rng.choices(range(households), weights=weights, k=min(extra, households)):
            if extra == 0:
                break
            if sizes[i] < 7:
                sizes[i] += 1
                extra -= 1
                weights[i] = 0.6 if sizes[i] >= 3 else 1.0
    return sizes


def _members(p: People, size: int, floating: bool) -> list[ResidentInput]:
    rng = p.rng
    surname = rng.choice(SURNAMES)
    head_age = rng.choices(
        (rng.randint(22, 39), rng.randint(40, 59), rng.randint(60, 92)), weights=(0.32, 0.42, 0.26)
    )[0]
    if floating:
        head_age = min(head_age, rng.randint(20, 55))
    head_gender = "M" if rng.random() < 0.72 else "F"
    people: list[tuple[str, int, str, str]] = [(head_gender, head_age, Relation.HEAD, surname)]
    if size >= 2:
        spouse_age = max(20, head_age + rng.randint(-5, 3))
        people.append(("F" if head_gender == "M" else "M", spouse_age, Relation.SPOUSE, rng.choice(SURNAMES)))
    for _ in range(size - len(people)):
        if head_age >= 45 and rng.random() < 0.25 and head_age + 22 <= 100:
            people.append(
                (rng.choice("MF"), head_age + rng.randint(22, 30), Relation.PARENT, rng.choice(SURNAMES))
            )
        elif head_age >= 55 and rng.random() < 0.5:
            people.append(
                (rng.choice("MF"), max(0, head_age - rng.randint(48, 60)), Relation.GRANDCHILD, surname)
            )
        else:
            people.append((rng.choice("MF"), max(0, head_age - rng.randint(20, 35)), Relation.CHILD, surname))
    rows = []
    for gender, age, relation, family in people:
        born = p.birth(age)
        tags: list[str] = []
        if size == 1 and age >= 70:
            tags.append(CareGroup.ELDERLY_ALONE)
        if rng.random() < 0.015:
            tags.append(CareGroup.DISABLED)
        if rng.random() < 0.02 and age >= 18:
            tags.append(CareGroup.LOW_INCOME)
        if gender == "M" and age >= 40 and rng.random() < 0.02:
            tags.append(CareGroup.VETERAN)
        if 20 <= age <= 55 and rng.random() < 0.03:
            tags.append(CareGroup.UNEMPLOYED)
        rows.append(
            ResidentInput(
                name=family + p.given(gender),
                id_number=p.id_number(born, gender),
                relation=relation,
                gender=gender,
                birth_date=born,
                phone=p.mobile() if 16 <= age <= 85 and rng.random() < 0.85 else "",
                residence_type=ResidenceType.FLOATING if floating else ResidenceType.REGISTERED,
                care_tags=tuple(tags),
            )
        )
    return rows


def _community_bounds(plan: StreetPlan, index: int) -> tuple[float, float, float, float]:
    cols = 3 if len(plan.communities) > 4 else 2
    w, h = 0.012, 0.008
    col, row = index % cols, index // cols
    x0 = plan.centre[0] - cols * w / 2 + col * w
    y1 = plan.centre[1] + h - row * h
    return (round(x0, 6), round(y1 - h, 6), round(x0 + w, 6), round(y1, 6))


def build_street(plan: StreetPlan, rng: random.Random, *, divisions: Path = DIVISIONS) -> StreetResult:
    with transaction.atomic():
        if Area.objects.filter(code=plan.code).exists():
            street = Area.objects.get(code=plan.code)
        else:
            import_divisions([divisions], plan.code, only_names=plan.communities)
            street = Area.objects.get(code=plan.code)
        by_name = {a.name: a for a in Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY)}
        missing = [n for n in plan.communities if n not in by_name]
        if missing:
            raise RuntimeError(f"communities not found under {plan.code}: {missing}")
        result = StreetResult(street=street, communities=[by_name[n] for n in plan.communities])
        _build_street_body(plan, rng, result)
    return result


def _build_street_body(plan: StreetPlan, rng: random.Random, result: StreetResult) -> None:
    street = result.street
    people = People(rng, plan.region)
    committee = create_party_org(name=f"{street.name}党工委", kind=PartyOrgKind.COMMITTEE, area=street)
    total_grids = sum(plan.grids_per_community)
    buildings_per_grid = split(plan.buildings, total_grids)
    households_per_building = split(plan.households, plan.buildings)
    sizes = _household_sizes(rng, plan.households, plan.residents)
    grid_no = building_no = 0
    household_rows: list[tuple[Area, str, str]] = []
    floating_flags: list[bool] = []
    branches: dict[int, list[PartyOrg]] = {}
    for ci, community in enumerate(result.communities):
        number_in_community = 0
        set_geometry(community, polygon(tile(_community_bounds(plan, ci), 1)[0]))
        parent = community
        if plan.grid_stations:
            parent = create_area(
                code=f"{community.code}900",
                name=f"{community.name}网格工作站",
                kind=AreaKind.GRID_STATION,
                parent=community,
            )
        branches[ci] = [
            create_party_org(
                name=f"{community.name}第{b + 1}党支部",
                kind=PartyOrgKind.BRANCH,
                parent=committee,
                area=community,
            )
            for b in range(plan.party_branches_per_community[ci])
        ]
        cells = tile(_community_bounds(plan, ci), plan.grids_per_community[ci])
        for gi, ring in enumerate(cells):
            grid = create_area(
                code=f"{parent.code}{gi + 1:03d}",
                name=f"{community.name}第{gi + 1}网格",
                kind=AreaKind.GRID,
                parent=parent,
                geometry=polygon(ring),
            )
            for bi in range(buildings_per_grid[grid_no]):
                building = create_area(
                    code=f"{grid.code}{bi + 1:03d}",
                    name=f"{community.name[:-2]}{number_in_community + 1}号楼",
                    kind=AreaKind.BUILDING,
                    parent=grid,
                )
                count = households_per_building[building_no]
                entrances = max(1, math.ceil(count / 12))
                for h in range(count):
                    unit, k = divmod(h, math.ceil(count / entrances))
                    floor, room = divmod(k, 2)
                    household_rows.append(
                        (building, f"{building.code}H{h + 1:04d}", f"{unit + 1}单元{floor + 1}0{room + 1}")
                    )
                    floating_flags.append(rng.random() < plan.floating_share)
                building_no += 1
                number_in_community += 1
            grid_no += 1
    households = bulk_register_households(household_rows)
    community_of = {c.path: i for i, c in enumerate(result.communities)}
    rows: list[tuple[ResidentInput, Household]] = []
    for household, size, floating in zip(households, sizes, floating_flags, strict=True):
        for data in _members(people, size, floating):
            rows.append((data, household))
    # Party members: drawn from adults, each in a branch of their own community.
    adults = [
        i for i, (d, _) in enumerate(rows) if d.birth_date and people.today.year - d.birth_date.year >= 20
    ]
    chosen = sorted(rng.sample(adults, plan.party_members))
    extra: dict[int, dict[str, Any]] = {}
    for i in chosen:
        data, household = rows[i]
        ci = community_of[household.area_path[: len(result.communities[0].path)]]
        if data.residence_type == ResidenceType.FLOATING:
            kind = PartyMemberKind.FLOATING
        else:
            kind = rng.choices(
                (PartyMemberKind.LOCAL, PartyMemberKind.IN_SERVICE, PartyMemberKind.NO_POST),
                weights=(0.5, 0.3, 0.2),
            )[0]
        data.party_member_kind = kind
        extra[i] = {"party_org_id": rng.choice(branches[ci]).pk}
    residents = bulk_register_residents(rows, extra=extra)
    result.residents = len(residents)
    if plan.building_heads:
        _building_heads(plan, street, residents)


def _building_heads(plan: StreetPlan, street: Area, residents: list[Any]) -> None:
    """One building head (楼栋长) per building, a resident of it, with a user account
    that has no password until an administrator sets one."""
    first_by_building: dict[int, Any] = {}
    for r in residents:
        if r.relation == Relation.HEAD and r.area_id not in first_by_building:
            first_by_building[r.area_id] = r
    buildings = Area.objects.filter(kind=AreaKind.BUILDING, path__startswith=street.path).order_by("path")
    rows = [
        (f"ldz{b.code}", first_by_building[b.pk].name, first_by_building[b.pk], b)
        for b in buildings[: plan.building_heads]
    ]
    bulk_add_role_holders(rows, Role.BUILDING_HEAD)


ACCOUNT_NAMES = (
    "labudalin_admin",
    "labudalin_auditor",
    "pingan_secretary",
    "pingan_staff",
    "pingan_grid",
    "pingan_building",
    "pingan_partner",
    "pingan_resident",
    "xingshan_admin",
    "chengjiang_secretary",
    "chengjiang_grid",
    "longtanzi_admin",
    "longtanyuan_secretary",
    "longtanyuan_staff",
    "longtanyuan_grid",
    "longtanyuan_resident",
    "longtanyuan_unit",
    "longtanyuan_team",
    "longtanyuan_party",
)


@dataclass
class DemoAccount:
    username: str
    role: str
    area: str


def _accounts() -> list[tuple[str, str, str, str]]:
    """(username, role, area code or household selector, display name)."""
    labu, pingan, xing, chengjiang = "150784001", "150784001012", "522635001", "522635001001"
    pingan_grid = (
        Area.objects.filter(kind=AreaKind.GRID, path__contains=f"/{pingan}/").order_by("path").first()
    )
    pingan_building = (
        Area.objects.filter(kind=AreaKind.BUILDING, path__contains=f"/{pingan}/").order_by("path").first()
    )
    cj_grid = (
        Area.objects.filter(kind=AreaKind.GRID, path__contains=f"/{chengjiang}/").order_by("path").first()
    )
    lty_grids = list(
        Area.objects.filter(kind=AreaKind.GRID, path__contains="/500111003001/").order_by("path")
    )
    lty_grid = lty_grids[0] if lty_grids else None
    assert pingan_grid and pingan_building and cj_grid and lty_grid and len(lty_grids) >= 3
    return [
        ("labudalin_admin", Role.STREET_ADMIN, labu, "陈街道"),
        ("labudalin_auditor", Role.AUDITOR, labu, "审计员孙"),
        ("pingan_secretary", Role.COMMUNITY_SECRETARY, pingan, "张书记"),
        ("pingan_staff", Role.COMMUNITY_STAFF, pingan, "社工刘"),
        ("pingan_grid", Role.GRID_WORKER, pingan_grid.code, "网格员李"),
        ("pingan_building", Role.BUILDING_HEAD, pingan_building.code, "楼栋长周"),
        ("pingan_partner", Role.PARTNER_UNIT, pingan, "共建单位"),
        ("pingan_resident", Role.RESIDENT, "household-of-first-resident", ""),
        ("xingshan_admin", Role.STREET_ADMIN, xing, "杏山街道管理员"),
        ("chengjiang_secretary", Role.COMMUNITY_SECRETARY, chengjiang, "城江社区书记"),
        ("chengjiang_grid", Role.GRID_WORKER, cj_grid.code, "城江网格员"),
        ("longtanzi_admin", Role.STREET_ADMIN, "500111003", "龙滩子街道党群办"),
        ("longtanyuan_secretary", Role.COMMUNITY_SECRETARY, "500111003001", "龙滩园社区书记"),
        ("longtanyuan_staff", Role.COMMUNITY_STAFF, "500111003001", "龙滩园社工"),
        ("longtanyuan_grid", Role.GRID_WORKER, lty_grid.code, "龙滩园网格员"),
        ("longtanyuan_resident", Role.RESIDENT, f"household-of-first-resident:{lty_grid.path}", ""),
        # The contact of 龙滩园's 区供电所, a member of its 志愿服务队 and a party member
        # (shequ.demo.tasks gives them their unit, team, targeted tasks and points).
        ("longtanyuan_unit", Role.PARTNER_UNIT, "500111003001", "何建国"),
        ("longtanyuan_team", Role.RESIDENT, f"household-of-first-resident:{lty_grids[1].path}", ""),
        ("longtanyuan_party", Role.RESIDENT, f"household-of-first-party-member:{lty_grids[2].path}", ""),
    ]


def create_accounts() -> list[DemoAccount]:
    from shequ.people.models import Resident

    made = []
    hashed = make_password(DEMO_PASSWORD)  # one published password: hashed once, not per login
    for username, role, code, name in _accounts():
        resident = None
        if role == Role.RESIDENT:
            # The first resident (or party member) of 平安社区, or of the grid the code names.
            selector, _, under = code.partition(":")
            pool = Resident.objects.filter(area_path__startswith=under or "/150784001/150784001012/")
            if selector == "household-of-first-party-member":
                pool = pool.exclude(party_member_kind="")
            resident = pool.order_by("area_path", "id").first()
            assert resident is not None
            code, name = resident.household.code, resident.name
        add_user(
            username,
            DEMO_PASSWORD,
            role=role,
            area_code=code,
            display_name=name,
            resident=resident,
            check_password=False,
            password_hash=hashed,
        )
        made.append(DemoAccount(username, str(Role(role).label), code))
    return made


def demo_accounts() -> list[DemoAccount]:
    """The demo accounts present in the database, with role and area."""
    names = list(ACCOUNT_NAMES)
    found = []
    for user in User.objects.filter(username__in=names).prefetch_related("assignments"):
        for a in user.assignments.all():
            found.append(
                DemoAccount(user.username, str(a.get_role_display()), a.path.strip("/").split("/")[-1])
            )
    order = {n: i for i, n in enumerate(names)}
    return sorted(found, key=lambda a: order[a.username])


class DemoRefused(Exception):
    pass


def half_loaded(plans: tuple[StreetPlan, ...] = PLANS) -> bool:
    """A load was started but never finished (it writes demo.start first and demo.load
    last): stopped with Ctrl-C during the first `make run`, it left a street without
    logins, problems or tasks, which `--if-empty` then took for a full database. A demo
    street alone is no sign of it: an operator who imported 拉布大林街道 from the shipped
    divisions.csv (the README's example) was told to delete the database."""
    from shequ.access.models import AuditEvent

    events = AuditEvent.objects.filter(event__in=["demo.start", "demo.load"])
    stopped = set(events.values_list("event", flat=True).distinct()) == {"demo.start"}
    return stopped and Area.objects.filter(code__in=[p.code for p in plans]).exists()


def interrupted_message() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        where = f"请删除数据库文件 {database['NAME']}（及同名的 -wal、-shm 文件，或运行 make clean）"
    else:
        where = f"请清空数据库 {database['NAME']}"
    return f"上次加载演示数据没有完成（被中断），数据库里只有一部分演示数据。{where}，再重新运行 make run"


def load(seed: int = 2026, plans: tuple[StreetPlan, ...] = PLANS, accounts: bool = True) -> list[DemoAccount]:
    if settings.SHEQU_ENV == "production":
        raise DemoRefused("生产环境（SHEQU_ENV=production）不能加载演示数据")
    if half_loaded(plans):
        raise DemoRefused(interrupted_message())
    if Area.objects.filter(code__in=[p.code for p in plans]).exists():
        raise DemoRefused("演示街道已存在：数据库不是空的")
    # Committed before anything else: a load stopped from here on is known as one.
    audit.record(None, "demo.start", detail={"seed": seed, "streets": [p.code for p in plans]})
    rng = random.Random(seed)
    for plan in plans:
        build_street(plan, rng)
    made = create_accounts() if accounts else []
    if accounts:
        load_problems(rng, plans)
        from shequ.demo import registry

        registry.build(rng)
    audit.record(None, "demo.load", detail={"seed": seed, "streets": [p.code for p in plans]})
    return made


def load_problems(rng: random.Random, plans: tuple[StreetPlan, ...]) -> None:
    """A year of problems for the streets the plans name, each made by its community's
    crew (shequ.demo.crew) and urged by the street's admin account."""
    from shequ.demo import problems
    from shequ.demo.crew import build_crews

    admins = {"150784001": "labudalin_admin", "500111003": "longtanzi_admin"}
    # The communities whose named demo logins take their crew's parts (login prefix).
    named = {"150784001012": "pingan", "500111003001": "longtanyuan"}
    crews = {}
    for plan in plans:
        per_month = PROBLEMS_PER_MONTH.get(plan.code)
        if not per_month:
            continue
        street = Area.objects.get(code=plan.code)
        crews[plan.code] = build_crews(street, named)
        problems.build(street, User.objects.get(username=admins[plan.code]), crews[plan.code], rng, per_month)
        problems.send_reports(crews[plan.code], rng)
    load_tasks(rng, plans, crews)


def load_tasks(rng: random.Random, plans: tuple[StreetPlan, ...], crews: dict[str, Any]) -> None:
    """The task list and points (龙滩子街道) and the service teams and skills (杏山街道)."""
    from shequ.demo import tasks

    codes = {p.code for p in plans}
    if "500111003" in codes:
        tasks.build(
            Area.objects.get(code="500111003"),
            User.objects.get(username="longtanzi_admin"),
            crews["500111003"],
            rng,
        )
    if "522635001" in codes:
        tasks.xingshan_teams(
            Area.objects.get(code="522635001"), User.objects.get(username="xingshan_admin"), rng
        )
