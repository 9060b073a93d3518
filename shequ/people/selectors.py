"""Reads of the registry, always on behalf of a viewer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Lower, Substr
from django.utils import timezone

from shequ.access.roles import Permission, Role
from shequ.access.scope import assignments, can, scope_q
from shequ.areas.paths import is_under, under
from shequ.core import fieldcrypt
from shequ.core.errors import NotFound, ValidationFailed
from shequ.core.fields import starts_with
from shequ.people import idcard, phones
from shequ.people.models import (
    SANTE_SANLIU,
    CareGroup,
    CareRecord,
    FloatingProfile,
    Household,
    Resident,
    Visit,
    VisitNeed,
    VisitPlan,
)

_ID_LIKE = re.compile(r"^\d{17}[\dX]$")
_PHONE_LIKE = re.compile(r"^\+?[\d\-]{7,}$")
_LETTERS = re.compile(r"^[a-z]+$")


def number_lookup(q: str) -> str | None:
    """The keyed hash ``search`` looks ``q`` up by, when ``q`` is a number someone could
    hold: a valid ID number (check digit and all) or a valid phone. A half-typed or
    mistyped number finds nobody and tells nothing, so it is None."""
    text = "".join(unicodedata.normalize("NFKC", q or "").split())
    number = idcard.normalize(text)
    number = idcard.from_15(number) or number
    if _ID_LIKE.match(number):
        try:
            idcard.parse(number)
        except idcard.IdNumberError:
            return None
        return fieldcrypt.lookup_hash(number, "id_number")
    if _PHONE_LIKE.match(text):
        try:
            return fieldcrypt.lookup_hash(phones.normalize(text), "phone")
        except phones.PhoneError:
            return None
    return None


def search(qs: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """What a search box finds, and in which order.

    A full ID number or phone matches exactly, through the keyed hash. Letters match the
    start of the pinyin initials (`zs`) or of the full pinyin (`zhangs`), sorted by pinyin.
    Anything else matches the start of the name. Each is a range on its own index, so a
    search stays fast however many residents are in scope.
    """
    # As typed with a Chinese input method (full-width letters and digits, ideographic
    # spaces) and with spaces anywhere ("张 明", "zh m"): the same search.
    text = "".join(unicodedata.normalize("NFKC", q).split())
    if not text:
        return qs.order_by("area_path", "id")
    number = idcard.normalize(text)
    number = idcard.from_15(number) or number  # an old 15-digit number finds its holder
    if _ID_LIKE.match(number):
        return qs.filter(id_number_hash=fieldcrypt.lookup_hash(number, "id_number")).order_by("id")
    if _PHONE_LIKE.match(text.replace(" ", "")):
        try:
            digest = fieldcrypt.lookup_hash(phones.normalize(text), "phone")
        except phones.PhoneError:
            return qs.none()
        return qs.filter(phone_hash=digest).order_by("id")
    lowered = text.lower()
    if _LETTERS.match(lowered):
        matches = starts_with("name_initials", lowered) | starts_with("name_pinyin", lowered)
        # Sorted by an expression, not the column: otherwise PostgreSQL walks the whole
        # pinyin index in order looking for matches instead of collecting them first.
        return qs.filter(pk__in=_ids(matches)).order_by(Lower("name_pinyin"), "id")
    return qs.filter(pk__in=_ids(starts_with("name", text))).order_by("name", "id")


def _ids(condition: Q) -> QuerySet[Any]:
    # The name condition goes into a subquery of its own, so that the database answers
    # it from the name indexes first and checks the scope only on the few matches
    # (otherwise SQLite may walk the whole scope range on the area_path index).
    return Resident.objects.filter(condition).values("pk")


def resident_list(viewer: Any, *, area_path: str | None = None, q: str = "") -> QuerySet[Resident]:
    qs = Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
    if area_path:
        qs = qs.filter(under(area_path))
    # Lists show masked values only: leave the ciphertexts and hashes in the database,
    # which also keeps the rows a search has to sort narrow.
    return (
        search(qs, q)
        .select_related("household", "area", "party_org")
        .defer("id_number_enc", "phone_enc", "id_number_hash", "phone_hash", "created_at", "updated_at")
    )


def get_resident(viewer: Any, resident_id: int) -> Resident:
    try:
        return (
            Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
            .select_related("household", "area", "party_org")
            .get(pk=resident_id)
        )
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise NotFound("居民") from None


def may_see_care_groups(viewer: Any, resident: Resident) -> bool:
    """重点人群 (低保户, 残疾人, 独居老人…) are for those who run the care lists there, and
    for the resident's own household; not for everyone who may open the record (a building
    head, a neighbour, is refused the care lists for the same reason)."""
    if can(viewer, Permission.CARE_MANAGE, resident.area_path):
        return True
    # Their own household: the resident role's scope is the household (a login need not
    # be linked to a registry record for that).
    return any(
        role == Role.RESIDENT and is_under(resident.area_path, path) for role, path in assignments(viewer)
    )


def get_household(
    viewer: Any, household_id: int, permission: Permission = Permission.RESIDENT_VIEW
) -> Household:
    try:
        return (
            Household.objects.visible_to(viewer, permission).select_related("building").get(pk=household_id)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound("户") from None


def household_members(viewer: Any, household: Household) -> QuerySet[Resident]:
    return (
        Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
        .filter(household=household)
        .order_by("id")
    )


# ---------------------------------------------------------------------------------------
# Visits, floating population, care groups.


def visit_list(
    viewer: Any, *, area_path: str | None = None, household: Household | None = None
) -> QuerySet[Visit]:
    qs = Visit.objects.visible_to(viewer, Permission.VISIT_RECORD)
    if area_path:
        qs = qs.filter(under(area_path))
    if household is not None:
        qs = qs.filter(household=household)
    return qs.select_related("household", "household__building", "visitor").order_by("-visited_on", "-id")


def get_visit(viewer: Any, visit_id: int) -> Visit:
    try:
        return (
            Visit.objects.visible_to(viewer, Permission.VISIT_RECORD)
            .select_related("household", "household__building", "visitor")
            .get(pk=visit_id)
        )
    except (Visit.DoesNotExist, ValueError, TypeError):
        raise NotFound("走访记录") from None


def get_visit_need(viewer: Any, need_id: int) -> VisitNeed:
    try:
        return (
            VisitNeed.objects.visible_to(viewer, Permission.VISIT_RECORD)
            .select_related("visit", "visit__household", "visit__household__building")
            .get(pk=need_id)
        )
    except (VisitNeed.DoesNotExist, ValueError, TypeError):
        raise NotFound("走访需求") from None


@dataclass
class Coverage:
    """Households visited / households there, in a period (走访覆盖率)."""

    label: str
    code: str
    households: int
    visited: int
    planned: int = 0
    active: bool = True  # a worker's account is on (one stopped is not offered for plans)

    @property
    def rate(self) -> float | None:
        """None with no households to divide by (a grid drawn before its households were
        registered): not 0, which reads as nobody visited."""
        return self.visited / self.households if self.households else None

    @property
    def percent(self) -> str:
        """The rate as the page shows it: one decimal, rounded down, so that 100% means
        every household (199 of 200 was rounded up to 100%); "—" with nothing to divide by."""
        if not self.households:
            return "—"
        value = (Decimal(self.visited) * 100 / self.households).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        return f"{value}%"


def coverage(viewer: Any, area: Any, start: date, end: date) -> tuple[list[Coverage], list[Coverage]]:
    """Per grid under ``area`` and per worker: distinct households visited in
    [start, end] over the households of the grid (of the worker's grids).

    A worker's households are those of the grids where they hold the visit permission;
    visits they made outside those grids count for the grid, not for them.
    """
    from shequ.access.models import RoleAssignment
    from shequ.access.roles import GRANTS
    from shequ.areas.models import Area, AreaKind

    grids = list(
        Area.objects.visible_to(viewer, Permission.VISIT_RECORD)
        .filter(under(area.path, "path"), kind=AreaKind.GRID)
        .defer("geometry")
        .order_by("path")
    )
    visits = Visit.objects.filter(under(area.path), visited_on__gte=start, visited_on__lte=end)
    months = {f"{d:%Y%m}" for d in (start, end)}
    plans = VisitPlan.objects.filter(under(area.path), month__in=months)
    # Counted once for the whole area and added up per grid here: households grouped by
    # the grid-long head of their path (one query per length of grid path, usually one),
    # visits as their distinct (path, visitor, household), a month's worth.
    households_at: dict[str, int] = {}
    for length in sorted({len(g.path) for g in grids}):
        heads = (
            Household.objects.filter(under(area.path))
            .values_list(Substr("area_path", 1, length))
            .annotate(n=Count("id"))
            .order_by()
        )
        households_at.update(heads)
    # Each visit put under its grid once (grids never lie in one another, so a path has at
    # most one grid-long head that is a grid): linear in the visits, not grids × visits.
    grid_paths = {g.path for g in grids}
    lengths = sorted({len(p) for p in grid_paths})
    in_grid: dict[str, set[int]] = {}
    by_visitor: dict[tuple[str, int], set[int]] = {}
    rows = visits.values_list("area_path", "visitor_id", "household_id").distinct().order_by()
    for path, who, household_id in rows:
        head = next((path[:n] for n in lengths if path[:n] in grid_paths), None)
        if head is not None:
            in_grid.setdefault(head, set()).add(household_id)
            by_visitor.setdefault((head, who), set()).add(household_id)

    def visited(paths: set[str], visitor_id: int | None = None) -> int:
        if visitor_id is None:
            return len(set().union(*(in_grid.get(p, set()) for p in paths)))
        return len(set().union(*(by_visitor.get((p, visitor_id), set()) for p in paths)))

    by_grid = []
    for grid in grids:
        households = households_at.get(grid.path, 0)
        planned = sum(p.target_households for p in plans if p.grid_id == grid.pk)
        by_grid.append(Coverage(grid.name, grid.code, households, visited({grid.path}), planned))
    roles = [role for role, perms in GRANTS.items() if Permission.VISIT_RECORD in perms]
    workers: dict[int, tuple[str, bool, set[str]]] = {}
    for assignment in RoleAssignment.objects.filter(role__in=roles, path__in=grid_paths).select_related(
        "user"
    ):
        name = str(assignment.user)
        workers.setdefault(assignment.user_id, (name, assignment.user.is_active, set()))[2].add(
            assignment.path
        )
    by_worker = []
    for user_id, (name, active, paths) in sorted(workers.items(), key=lambda w: w[1][0]):
        # Grids never lie in one another, so a worker's households are their grids' sum.
        households = sum(households_at.get(path, 0) for path in paths)
        planned = sum(p.target_households for p in plans if p.worker_id == user_id)
        done = visited(paths, user_id)
        if not active and not done and not planned:
            # Someone who left (their role assignments stay for the record) is listed only
            # for the visits they made, or were planned to make, in the period.
            continue
        by_worker.append(Coverage(name, str(user_id), households, done, planned, active))
    return by_grid, by_worker


def households_not_visited(
    viewer: Any, *, area_path: str | None = None, days: int = 90, today: date | None = None
) -> QuerySet[Household]:
    """Households with no visit in the last ``days`` days (never visited first)."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=days)
    qs = Household.objects.visible_to(viewer, Permission.VISIT_RECORD)
    if area_path:
        qs = qs.filter(under(area_path))
    return (
        qs.annotate(last_visit=Max("visits__visited_on"))
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=cutoff))
        .select_related("building")
        .order_by(F("last_visit").asc(nulls_first=True), "area_path")
    )


def _floating_profiles(
    viewer: Any, *, area_path: str | None = None, today: date | None = None
) -> QuerySet[FloatingProfile]:
    """The recorded profiles of residents registered as 流动人口 now and not departed (a
    resident since registered as 户籍人口, or whose 离开日期 has come, keeps the profile in
    the database, but is no longer on these lists, their exports or the expiry reminders)."""
    today = today or timezone.localdate()
    present = _profiles(viewer, area_path).filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
    return present.order_by("area_path", "id")


def _profiles(viewer: Any, area_path: str | None) -> QuerySet[FloatingProfile]:
    """Recorded profiles of residents registered as 流动人口 now, in the viewer's scope
    (and under ``area_path``), read with what the lists show of them."""
    qs = FloatingProfile.objects.visible_to(viewer, Permission.FLOATING_MANAGE).filter(
        resident__residence_type="floating"
    )
    if area_path:
        qs = qs.filter(under(area_path))
    return qs.select_related("resident", "resident__household", "resident__area", "landlord")


def floating_profile(resident: Resident) -> FloatingProfile:
    """A floating resident's profile, or an unsaved blank one (``pk`` None: 待补登记) for
    one registered or imported as 流动人口 whose rental home and permit nobody has
    recorded yet. Reads the profile loaded with the resident (no query)."""
    profile = getattr(resident, "floating", None)
    if profile is None:
        profile = FloatingProfile(resident=resident, area_path=resident.area_path)
    return profile


class FloatingRows:
    """floating_list() for paging and exporting: counted and sliced on the residents in
    the database, each row given as its FloatingProfile (floating_profile())."""

    def __init__(self, residents: QuerySet[Resident]) -> None:
        self.residents = residents
        self.count_source = residents  # what core.pagination counts

    def count(self) -> int:
        return self.residents.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, rows: slice) -> list[FloatingProfile]:
        return [floating_profile(r) for r in self.residents[rows]]

    def __iter__(self) -> Iterator[FloatingProfile]:
        return self.iterator()

    def iterator(self, chunk_size: int = 2000) -> Iterator[FloatingProfile]:
        return (floating_profile(r) for r in self.residents.iterator(chunk_size=chunk_size))


def floating_list(viewer: Any, *, area_path: str | None = None, today: date | None = None) -> FloatingRows:
    """The floating population: every resident registered as 流动人口 now, with their
    lease and permit where recorded. Registration and the Excel import set the residence
    type without a profile; those residents are listed too, their rows blank (待补登记),
    so that the list holds the residents the area's 流动人口 card counts. One whose 离开日期
    has come (``left_on`` ≤ today) has left the area and is not listed, nor counted."""
    today = today or timezone.localdate()
    qs = (
        Resident.objects.visible_to(viewer, Permission.FLOATING_MANAGE)
        .filter(residence_type="floating")
        .filter(Q(floating__left_on__isnull=True) | Q(floating__left_on__gt=today))
    )
    if area_path:
        qs = qs.filter(under(area_path))
    qs = qs.select_related("floating", "floating__landlord", "household", "area").order_by("area_path", "id")
    return FloatingRows(qs)


def expiring(
    viewer: Any, what: str, *, within: int = 30, today: date | None = None, area_path: str | None = None
) -> QuerySet[FloatingProfile]:
    """Permits (``what="permit"``) or leases (``"lease"``) ending in the next ``within``
    days, today included; those already ended are not listed. People who have left are
    not listed."""
    today = today or timezone.localdate()
    field = "permit_expires" if what == "permit" else "lease_end"
    return (
        _floating_profiles(viewer, area_path=area_path, today=today)
        .filter(**{f"{field}__gte": today, f"{field}__lte": today + timedelta(days=within)})
        .order_by(field, "id")
    )


def departed(
    viewer: Any, *, area_path: str | None = None, today: date | None = None
) -> QuerySet[FloatingProfile]:
    """已离开: floating residents whose 离开日期 has come, most recent first. They are off
    the list and the count (floating_list) but still registered here: found again to
    correct a date typed wrong, or to register them elsewhere."""
    today = today or timezone.localdate()
    return _profiles(viewer, area_path).filter(left_on__lte=today).order_by("-left_on", "-id")


# The floating lists a page, its export and the API offer: everyone, permits or leases
# ending within 30 days, and those who have left.
FLOATING_LISTS = ("all", "permit", "lease", "left")


def floating_rows(viewer: Any, which: str, *, area_path: str | None = None) -> Any:
    """One of FLOATING_LISTS (``which`` checked by the caller)."""
    if which in ("permit", "lease"):
        return expiring(viewer, which, area_path=area_path)
    if which == "left":
        return departed(viewer, area_path=area_path)
    return floating_list(viewer, area_path=area_path)


OUT_OF_SCOPE = "辖区外"


def shown_landlord(viewer: Any, profile: FloatingProfile) -> Resident | None:
    """A tenant's landlord as the viewer may see them. A landlord living outside the
    viewer's scope (a tenant in their grid renting from someone in the next one) is a
    stand-in named 辖区外, without id or phone."""
    landlord = profile.landlord
    if landlord is None:
        return None
    if can(viewer, Permission.RESIDENT_VIEW, landlord.area_path):
        return landlord
    return Resident(name=OUT_OF_SCOPE, area_path="")


def landlords(viewer: Any, *, area_path: str | None = None) -> list[tuple[Resident, list[FloatingProfile]]]:
    """Landlords' roster: each landlord with the tenants recorded under them; landlords
    outside the viewer's scope are listed together as 辖区外, last."""
    tenants = _floating_profiles(viewer, area_path=area_path).filter(landlord__isnull=False)
    roster: dict[int, tuple[Resident, list[FloatingProfile]]] = {}
    for profile in tenants:
        landlord = shown_landlord(viewer, profile)
        assert landlord is not None
        roster.setdefault(landlord.pk or 0, (landlord, []))[1].append(profile)
    return sorted(roster.values(), key=lambda item: (item[0].pk is None, item[0].area_path, item[0].pk or 0))


@dataclass
class LandlordRow:
    """One landlord (or the 辖区外 stand-in) of the roster, with their tenants."""

    landlord: Resident
    tenants: list[FloatingProfile]

    @property
    def phone(self) -> str:
        return self.landlord.phone_masked


class LandlordRoster:
    """landlords() for paging: counted and sliced by landlord in the database, so a page
    loads its own landlords' tenants only. Landlords in the viewer's scope come in path
    order; those outside it are one 辖区外 row, last."""

    def __init__(self, viewer: Any, area_path: str | None = None) -> None:
        self.viewer = viewer
        self.tenants = _floating_profiles(viewer, area_path=area_path).filter(landlord__isnull=False)
        seen = scope_q(viewer, Permission.RESIDENT_VIEW, "landlord__area_path")
        self.inside = self.tenants.filter(seen)
        self.outside = self.tenants.exclude(seen)

    @cached_property
    def _counts(self) -> tuple[int, bool]:
        landlords = self.inside.values("landlord_id").distinct().order_by().count()
        return landlords, self.outside.exists()

    def __len__(self) -> int:
        landlords, outside = self._counts
        return landlords + outside

    def count(self) -> int:
        return len(self)

    def __getitem__(self, page: slice) -> list[LandlordRow]:
        start, stop = page.start or 0, page.stop
        ids = list(
            self.inside.order_by("landlord__area_path", "landlord_id")
            .values_list("landlord_id", flat=True)
            .distinct()[start:stop]
        )
        people = Resident.objects.in_bulk(ids)
        rows = {pk: LandlordRow(people[pk], []) for pk in ids}
        for profile in self.tenants.filter(landlord_id__in=ids):
            assert profile.landlord_id is not None
            rows[profile.landlord_id].tenants.append(profile)
        found = list(rows.values())
        landlords, outside = self._counts
        if outside and (stop is None or stop > landlords) and start <= landlords:
            stand_in = Resident(name=OUT_OF_SCOPE, area_path="")
            found.append(LandlordRow(stand_in, list(self.outside)))
        return found


CARE_LISTS = {
    "elderly_60": "60岁以上老年人",
    "elderly_80": "80岁以上高龄老人",
    **{value: str(label) for value, label in CareGroup.choices},
    "sante_sanliu": "三特三留人员",
}


def care_list(
    viewer: Any, group: str, *, area_path: str | None = None, today: date | None = None
) -> QuerySet[Resident]:
    """Residents of a care group in the viewer's care scope. Ages come from birth dates
    on ``today``: 60+ means born on or before this day 60 years ago."""
    today = today or timezone.localdate()
    qs = Resident.objects.visible_to(viewer, Permission.CARE_MANAGE)
    if area_path:
        qs = qs.filter(under(area_path))
    if group in ("elderly_60", "elderly_80"):
        years = 60 if group == "elderly_60" else 80
        qs = qs.filter(birth_date__lte=_years_before(today, years))
    elif group == "sante_sanliu":
        q = Q()
        for tag in SANTE_SANLIU:
            q |= Q(care_tags__contains=f",{tag},")
        qs = qs.filter(q)
    elif group in CareGroup.values:
        qs = qs.filter(care_tags__contains=f",{group},")
    else:
        return qs.none()
    return (
        qs.select_related("household", "area")
        .annotate(care_count=Count("care_records"), last_care=Max("care_records__cared_on"))
        .defer("id_number_enc", "phone_enc", "id_number_hash", "phone_hash")
        .order_by("area_path", "id")
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def care_records(viewer: Any, resident: Resident) -> QuerySet[CareRecord]:
    return (
        CareRecord.objects.visible_to(viewer, Permission.CARE_MANAGE)
        .filter(resident=resident)
        .select_related("carer")
    )


def resident_by_id_number(viewer: Any, raw: str) -> int:
    """The resident in the viewer's scope with exactly this ID number. Only a complete,
    valid number is looked up (through its keyed hash), never a name or a prefix, so a
    half-typed entry cannot register whoever happens to match first. Each lookup counts
    as a search by a full number (audited, limited per hour)."""
    from shequ.people.services import note_number_search

    try:
        number = idcard.parse(raw or "").number
    except idcard.IdNumberError:
        raise ValidationFailed({"id_number": "请填写完整、有效的身份证号"}) from None
    note_number_search(viewer, number)
    found = (
        Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
        .filter(id_number_hash=fieldcrypt.lookup_hash(number, "id_number"))
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise ValidationFailed({"id_number": "您管辖范围内没有该身份证号的居民"})
    return int(found)
