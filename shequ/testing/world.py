"""The personas world every test shares: two streets × two communities × two grids,
one building with two households of two residents in each grid, and a user of every
role at every level. Built through the services, so tests exercise the real rules.

Named personas (as in the style guide):
- ``street_chen``: street admin of street A (杆石桥街道)
- ``secretary_zhang``: secretary of community A1
- ``grid_worker_li``: grid worker of grid A1-1
- ``resident_wang``: a resident in grid A1-1
- ``outsider_zhao``: secretary of community B1, in the other street (测试街道)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password

from shequ.access.models import User
from shequ.access.roles import Role
from shequ.access.services import add_user
from shequ.areas.models import Area, AreaKind
from shequ.areas.services import create_area, import_divisions
from shequ.people import idcard
from shequ.people.models import Household, Resident
from shequ.people.services import ResidentInput, register_household, register_resident

DIVISIONS = Path(__file__).resolve().parent.parent / "areas" / "data" / "divisions.csv"
PASSWORD = "world-pass-2026"
# Street A is imported from the real division codes (杆石桥街道, not in the demo); street B
# is made up, so the world and the demo can share one test database.
STREETS = {"A": "370103003", "B": "990100001"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭"
GIVEN = "甲乙丙丁戊己庚辛"


@dataclass
class World:
    areas: dict[str, Area] = field(default_factory=dict)  # "A", "A1", "A1-1", "A1-1-b"
    households: dict[str, Household] = field(default_factory=dict)  # "A1-1-h1"
    residents: dict[str, Resident] = field(default_factory=dict)  # "A1-1-h1-r1"
    users: dict[str, User] = field(default_factory=dict)  # "street_admin@A"
    full_values: dict[int, tuple[str, str]] = field(default_factory=dict)  # resident id → (id, phone)
    user_scope: dict[str, tuple[str, str]] = field(default_factory=dict)  # username → (role, path)

    def user(self, key: str) -> User:
        return self.users[key]

    @property
    def street_chen(self) -> User:
        return self.users["street_admin@A"]

    @property
    def secretary_zhang(self) -> User:
        return self.users["community_secretary@A1"]

    @property
    def grid_worker_li(self) -> User:
        return self.users["grid_worker@A1-1"]

    @property
    def resident_wang(self) -> User:
        return self.users["resident@A1-1-h1"]

    @property
    def outsider_zhao(self) -> User:
        return self.users["community_secretary@B1"]


@lru_cache(maxsize=1)
def _hashed() -> str:
    """PASSWORD hashed once for every persona (an Argon2 hash takes 0.2–0.5 s)."""
    return make_password(PASSWORD)


def _add(world: World, role: str, key: str, code: str, resident: Any = None) -> None:
    username = f"{role}-{key}".lower()
    user = add_user(
        username,
        PASSWORD,
        role=role,
        area_code=code,
        resident=resident,
        display_name=f"{role}@{key}",
        check_password=False,
        password_hash=_hashed(),
    )
    world.users[f"{role}@{key}"] = user
    path = world.households[key].area_path if role == Role.RESIDENT else world.areas[key].path
    world.user_scope[username] = (role, path)


def build_world() -> World:
    world = World()
    serial = 0
    for s, street_code in STREETS.items():
        if s == "A":
            import_divisions([DIVISIONS], street_code)
        else:
            street = create_area(code=street_code, name="测试街道", kind=AreaKind.STREET, parent=None)
            for n in (1, 2):
                create_area(
                    code=f"{street_code}00{n}", name=f"测试{n}社区", kind=AreaKind.COMMUNITY, parent=street
                )
        street = Area.objects.get(code=street_code)
        world.areas[s] = street
        communities = list(Area.objects.filter(parent=street).order_by("code"))[:2]
        for ci, community in enumerate(communities, start=1):
            ck = f"{s}{ci}"
            world.areas[ck] = community
            x0, y0 = 117.0 + ci * 0.01 + (0.1 if s == "B" else 0), 36.6
            for gi in (1, 2):
                gk = f"{ck}-{gi}"
                gx = x0 + (gi - 1) * 0.005
                ring = [[gx, y0], [gx + 0.005, y0], [gx + 0.005, y0 + 0.005], [gx, y0 + 0.005], [gx, y0]]
                grid = create_area(
                    code=f"{community.code}{gi:03d}",
                    name=f"网格{gk}",
                    kind=AreaKind.GRID,
                    parent=community,
                    geometry={"type": "Polygon", "coordinates": [ring]},
                )
                world.areas[gk] = grid
                building = create_area(
                    code=f"{grid.code}001", name=f"楼{gk}", kind=AreaKind.BUILDING, parent=grid
                )
                world.areas[f"{gk}-b"] = building
                for hi in (1, 2):
                    hk = f"{gk}-h{hi}"
                    household = register_household(building=building, address=f"1单元{hi}01")
                    world.households[hk] = household
                    for ri in (1, 2):
                        serial += 1
                        gender = "M" if ri == 1 else "F"
                        born = date(1950 + serial, 1 + serial % 12, 1 + serial % 28)
                        number = idcard.make("370103", born, serial, gender)
                        phone = f"139{serial:08d}"
                        surname = SURNAMES[serial % len(SURNAMES)]
                        resident, _ = register_resident(
                            ResidentInput(
                                name=f"{surname}{GIVEN[serial % 8]}{serial}",
                                id_number=number,
                                phone=phone,
                                gender=gender,
                                birth_date=born,
                                relation="head" if ri == 1 else "spouse",
                                residence_type="floating" if serial % 5 == 0 else "registered",
                                party_member_kind="local" if serial % 4 == 0 else "",
                            ),
                            household,
                        )
                        world.residents[f"{hk}-r{ri}"] = resident
                        world.full_values[resident.pk] = (number, phone)
                    _add(world, Role.RESIDENT, hk, household.code, resident=world.residents[f"{hk}-r1"])
                _add(world, Role.GRID_WORKER, gk, grid.code)
                _add(world, Role.BUILDING_HEAD, f"{gk}-b", building.code)
            for role in (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.PARTNER_UNIT):
                _add(world, role, ck, community.code)
        for role in (Role.STREET_ADMIN, Role.AUDITOR):
            _add(world, role, s, street_code)
    return world
