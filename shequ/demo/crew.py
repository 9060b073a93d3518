"""The people who play their parts in a demo street's records, one crew per community:
its secretary triages, its staff handle what is the community's and check the grid
workers' work, a grid worker per grid patrols, visits, reports for the elderly and
handles what is the estate's, and a resident per grid reports and rates. Where a
community has named demo logins (平安社区, 龙滩园社区) those take their parts; the others
get accounts with no usable password, as building heads do. So every record is made by
someone the live rules would have let make it (nobody checks their own work)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.access.models import RoleAssignment, User
from shequ.access.roles import Role
from shequ.access.services import bulk_add_role_holders
from shequ.areas.models import Area, AreaKind
from shequ.core.fields import starts_with
from shequ.people.models import Resident

# Residents per grid who report (with a login), and elderly ones reported for.
REPORTERS, ELDERS = 6, 3

# Office hours (local): when staff, grid workers and the street take their steps.
OPENS, CLOSES = time(8, 30), time(18, 0)


def office_hours(moment: datetime, after: datetime) -> datetime:
    """``moment`` if staff would be at work then, else the end of the last working day
    still after ``after`` (so a deadline met stays met), else the next morning. Takes
    nothing from a random stream: the minutes come from ``moment`` itself."""
    local = timezone.localtime(moment)
    if OPENS <= local.time() <= CLOSES:
        return moment
    day = local.date() if local.time() > CLOSES else local.date() - timedelta(days=1)
    end = datetime.combine(day, CLOSES, tzinfo=local.tzinfo)
    spread = timedelta(seconds=int(moment.timestamp()) % 5400)  # up to 1½ hours
    if end > after:
        return max(end - spread, after + (end - after) / 2)
    morning = end + timedelta(hours=14, minutes=30)  # the next day's 08:30
    return morning + spread


def person_name(key: str) -> str:
    """A made-up person's name for a staff login, drawn from ``key`` (its username), so
    the street's random stream stays as it was. Ledgers show names masked: one named
    after its post ("龙星社区第3网格网格员") read "龙**********" there."""
    from shequ.demo.generator import GIVEN_F, GIVEN_M, SURNAMES

    rng = random.Random(key)
    given = GIVEN_M if rng.random() < 0.5 else GIVEN_F
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


@dataclass
class Crew:
    community: Area
    secretary: Any
    staff: Any
    grid_workers: dict[str, Any] = field(default_factory=dict)  # grid path → its grid worker
    # grid path → residents' logins who report, and elderly residents with no login
    residents: dict[str, list[Any]] = field(default_factory=dict)
    elders: dict[str, list[Any]] = field(default_factory=dict)

    def resident(self, grid: str, n: int) -> Any:
        """The ``n``-th report's resident in ``grid``: taken in turn from its pool."""
        pool = self.residents[grid]
        return pool[n % len(pool)]

    def elder(self, grid: str, n: int) -> Any:
        return self.elders[grid][n % len(self.elders[grid])]

    def grid_of(self, path: str) -> str:
        """The grid path a place (a grid, building or household path) lies in."""
        return next(g for g in self.grid_workers if path.startswith(g))


def resident_logins(residents: list[Resident]) -> list[User]:
    """Logins (no usable password) for registered residents, each holding the resident
    role on their household, as an administrator's 开通账号 makes them."""
    users = []
    for r in residents:
        user = User(username=f"demo-{r.household.code}-{r.pk}", display_name=r.name, resident=r)
        user.set_unusable_password()
        users.append(user)
    with transaction.atomic():
        User.objects.bulk_create(users)
        RoleAssignment.objects.bulk_create(
            RoleAssignment(
                user=u,
                role=Role.RESIDENT,
                area_id=r.household.building_id,
                household=r.household,
                path=r.household.area_path,
            )
            for u, r in zip(users, residents, strict=True)
        )
    return users


def build_crews(street: Area, named: dict[str, str]) -> dict[str, Crew]:
    """A crew for every community of ``street``, keyed by the community's path.
    ``named``: community code → the prefix of its named demo logins."""
    crews: dict[str, Crew] = {}
    communities = list(Area.objects.filter(parent=street, kind=AreaKind.COMMUNITY).order_by("code"))
    grids = list(Area.objects.filter(kind=AreaKind.GRID, path__startswith=street.path).order_by("path"))
    staff_rows: dict[str, list[tuple[str, str, Any, Area]]] = {
        Role.COMMUNITY_SECRETARY: [],
        Role.COMMUNITY_STAFF: [],
        Role.GRID_WORKER: [],
    }
    named_residents: list[tuple[Crew, Any]] = []
    for community in communities:
        prefix = named.get(community.code)
        if prefix:
            logins = {u.username: u for u in User.objects.filter(username__startswith=f"{prefix}_")}
            crew = Crew(community, logins[f"{prefix}_secretary"], logins[f"{prefix}_staff"])
            grid_path = RoleAssignment.objects.get(user=logins[f"{prefix}_grid"]).path
            crew.grid_workers[grid_path] = logins[f"{prefix}_grid"]
            resident = logins.get(f"{prefix}_resident")
            if resident is not None and resident.resident is not None:
                named_residents.append((crew, resident))
        else:
            crew = Crew(community, None, None)
            for role, suffix in ((Role.COMMUNITY_SECRETARY, "secretary"), (Role.COMMUNITY_STAFF, "staff")):
                username = f"demo-{community.code}-{suffix}"
                staff_rows[role].append((username, person_name(username), None, community))
        crews[community.path] = crew
    for grid in grids:
        crew = crews[grid.path.rsplit("/", 2)[0] + "/"]
        if grid.path not in crew.grid_workers:
            crew.grid_workers[grid.path] = None
            username = f"demo-{grid.code}-grid"
            staff_rows[Role.GRID_WORKER].append((username, person_name(username), None, grid))
    for held, rows in staff_rows.items():
        for user, (_, _, _, area) in zip(bulk_add_role_holders(rows, held), rows, strict=True):
            crew = crews[area.path if held != Role.GRID_WORKER else area.path.rsplit("/", 2)[0] + "/"]
            if held == Role.COMMUNITY_SECRETARY:
                crew.secretary = user
            elif held == Role.COMMUNITY_STAFF:
                crew.staff = user
            else:
                crew.grid_workers[area.path] = user
    for crew, resident in named_residents:  # now that every grid has its worker
        # The named login reports a third of its grid's own: its pages show them.
        crew.residents[crew.grid_of(resident.resident.area_path)] = [resident, resident]
    # Residents of a few households per grid who report from their phones, and elderly
    # ones who do not (a grid worker reports for them): not one person for the year.
    chosen: list[tuple[Crew, str, Resident]] = []
    adult = timezone.localdate().replace(month=1, day=1)
    for grid in grids:
        crew = crews[grid.path.rsplit("/", 2)[0] + "/"]
        # As a range, which the path index answers (LIKE, which startswith becomes on
        # SQLite, read every resident for each grid: 11 s of the load).
        pool = Resident.objects.filter(starts_with("area_path", grid.path), user__isnull=True).select_related(
            "household"
        )
        elders = list(pool.order_by("birth_date", "id")[:ELDERS])
        assert elders, grid.path
        crew.elders[grid.path] = elders
        homes = {e.household_id for e in elders}
        reporters = crew.residents.setdefault(grid.path, [])
        candidates = pool.filter(
            birth_date__lte=adult.replace(year=adult.year - 20),
            birth_date__gte=adult.replace(year=adult.year - 70),
        ).order_by("area_path", "id")[:80]  # six of separate households among them
        wanted = REPORTERS - len(reporters)
        for r in candidates:
            if wanted == 0:
                break
            if r.household_id not in homes:
                homes.add(r.household_id)
                chosen.append((crew, grid.path, r))
                wanted -= 1
        assert wanted < REPORTERS, grid.path
    for user, (crew, path, _) in zip(resident_logins([r for _, _, r in chosen]), chosen, strict=True):
        crew.residents[path].append(user)
    return crews
