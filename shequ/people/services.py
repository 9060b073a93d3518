"""Writes to the registry: households, residents, and the audited reading of full values."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from shequ.access import audit
from shequ.access.masking import mask_id_number, mask_permit_number, mask_phone
from shequ.access.models import AuditEvent
from shequ.access.roles import UNMASK_PERMISSION, Permission
from shequ.access.scope import can, home_path
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import child_path
from shequ.core import fieldcrypt
from shequ.core.bulk import unsaved
from shequ.core.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from shequ.core.numbers import month_error, month_param
from shequ.core.texts import CLEAR_WORDS, too_long
from shequ.people import idcard, phones, selectors
from shequ.people.models import (
    CareGroup,
    CareKind,
    CareRecord,
    FloatingProfile,
    Gender,
    Health,
    Household,
    IncomeLevel,
    PartyMemberKind,
    Relation,
    ResidenceType,
    Resident,
    Visit,
    VisitNeed,
    VisitPlan,
)
from shequ.people.pinyin import name_pinyin
from shequ.people.selectors import get_resident

FIELD_LABELS = {"id_number": "身份证号", "phone": "联系电话", "permit_number": "居住证号"}
GENDERS = frozenset(Gender.values)
RELATIONS = frozenset(Relation.values)
RESIDENCE_TYPES = frozenset(ResidenceType.values)
CARE_GROUPS = frozenset(CareGroup.values)
# The same visit or care record sent again within this time is the one already saved.
RESENT_WINDOW = timedelta(minutes=10)
PARTY_KINDS = frozenset(PartyMemberKind.values)

_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def register_household(
    *, building: Area, address: str, code: str | None = None, actor: Any = None
) -> Household:
    address = (address or "").strip()
    errors = {}
    if building.kind != AreaKind.BUILDING:
        errors["building"] = "户必须登记在楼栋下"
    if not address:
        errors["address"] = "门牌必填，如 2单元301"
    too_long(errors, [("address", "门牌", address, 100)])  # PostgreSQL refuses a longer one with a crash
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if code is None:
            count = Household.objects.filter(building=building).count()
            code = f"{building.code}H{count + 1:04d}"
        household = Household.objects.create(
            code=code, building=building, area_path=child_path(building.path, code), address=address
        )
        audit.record(actor, "household.create", area_path=household.area_path, obj=household)
    return household


@dataclass
class ResidentInput:
    name: str
    id_number: str
    relation: str
    gender: str = ""
    birth_date: date | None = None
    phone: str = ""
    residence_type: str = ResidenceType.REGISTERED
    care_tags: tuple[str, ...] = ()
    party_member_kind: str = ""


def normal_name(raw: str | None) -> str:
    """A name as stored: a register pads two-character names ("张　明"), and spaces between
    Chinese characters are no part of a name (a search for 张明 must find it)."""
    return _CJK_GAP.sub("", (raw or "").strip())


def name_problem(name: str) -> str:
    """What is wrong with a name (as ``normal_name`` gives it), or ""."""
    if not name:
        return "姓名必填"
    return "姓名不能超过50个字" if len(name) > 50 else ""


def build_resident(
    data: ResidentInput, household: Household, *, parsed: tuple[idcard.IdInfo, str] | None = None
) -> tuple[Resident, list[str]]:
    """Check one resident's data and return the unsaved row and any warnings.

    Raises ValidationFailed naming every field at fault. Gender and birth date may be
    left empty (they are taken from the ID number); if given they must agree with it.
    ``parsed`` is ``(idcard.parse(data.id_number), its lookup hash)`` when the caller has
    already worked them out (the registry import checks for repeated numbers first).
    """
    errors: dict[str, str] = {}
    warnings: list[str] = []
    name = normal_name(data.name)
    if problem := name_problem(name):
        errors["name"] = problem
    info = None
    id_hash = ""
    if parsed is not None:
        info, id_hash = parsed
        warnings.extend(info.warnings)
    else:
        try:
            info = idcard.parse(data.id_number or "")
            warnings.extend(info.warnings)
        except idcard.IdNumberError as exc:
            errors["id_number"] = str(exc)
    gender = data.gender or (info.gender if info else "")
    birth_date = data.birth_date or (info.birth_date if info else None)
    # With a bad ID number and nothing entered, gender and birth date are not reported
    # again: the ID number's own message says what to fix.
    if gender not in GENDERS and (info or data.gender):
        errors["gender"] = "性别必须是男或女"
    elif info and gender != info.gender:
        errors["gender"] = f"性别与身份证号不符：身份证号显示为{Gender(info.gender).label}"
    if birth_date is None:
        if info:
            errors["birth_date"] = "出生日期必填"
    elif info and birth_date != info.birth_date:
        errors["birth_date"] = f"出生日期与身份证号不符：身份证号显示为{info.birth_date:%Y年%m月%d日}"
    phone = ""
    if data.phone and data.phone.strip():
        try:
            phone = phones.normalize(data.phone)
        except phones.PhoneError as exc:
            errors["phone"] = str(exc)
    if data.relation not in RELATIONS:
        errors["relation"] = "与户主关系不在可选范围内"
    if data.residence_type not in RESIDENCE_TYPES:
        errors["residence_type"] = "人口类型必须是户籍人口或流动人口"
    bad_tags = [t for t in data.care_tags if t not in CARE_GROUPS]
    if bad_tags:
        errors["care_tags"] = f"重点人群类别不存在：{'、'.join(bad_tags)}"
    if data.party_member_kind and data.party_member_kind not in PARTY_KINDS:
        errors["party_member_kind"] = "党员类型不在可选范围内"
    if errors:
        raise ValidationFailed(errors)
    assert info is not None and birth_date is not None
    full, initials = name_pinyin(name)
    resident = unsaved(
        Resident,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=gender,
        birth_date=birth_date,
        id_number_enc=fieldcrypt.encrypt(info.number, "id_number"),
        id_number_hash=id_hash or fieldcrypt.lookup_hash(info.number, "id_number"),
        id_number_masked=mask_id_number(info.number),
        phone_enc=fieldcrypt.encrypt(phone, "phone"),
        phone_hash=fieldcrypt.lookup_hash(phone, "phone"),
        phone_masked=mask_phone(phone),
        household_id=household.pk,
        relation=data.relation,
        residence_type=data.residence_type,
        care_tags=("," + ",".join(sorted(set(data.care_tags))) + ",") if data.care_tags else "",
        party_member_kind=data.party_member_kind,
        area_id=household.building_id,
        area_path=household.area_path,
    )
    # The household kept with the row (an import's new household has no pk yet; saving
    # takes it from here). household_id is set above, so only the cache is filled: the
    # descriptor's assignment would set it again and ask the database router (~5 µs).
    Resident.household.field.set_cached_value(resident, household)
    return resident, warnings


def register_resident(
    data: ResidentInput, household: Household, *, actor: Any = None, ip: str = ""
) -> tuple[Resident, list[str]]:
    resident, warnings = build_resident(data, household)
    with transaction.atomic():
        if Resident.objects.filter(id_number_hash=resident.id_number_hash).exists():
            raise ValidationFailed({"id_number": "该身份证号已登记"})
        resident.save(force_insert=True)
        audit.record(actor, "resident.create", area_path=resident.area_path, obj=resident, ip=ip)
    return resident, warnings


def correct_name(actor: Any, resident_id: int, raw: str, *, ip: str = "") -> Resident:
    """Correct a registered resident's name (a typo in the register, a name changed at the
    police station), on the resident's page. For those who keep the registry there
    (``registry.import`` at the resident's place). A re-import does not change a name: a
    row whose number is registered under another name is refused (a made-up name beside a
    guessed number told whether the guess was someone's). The resident's login and points
    account follow (``_follow_names``); the audit row keeps the old and the new name."""
    resident = get_resident(actor, resident_id)
    if not can(actor, Permission.REGISTRY_IMPORT, resident.area_path):
        raise Forbidden("只有维护本社区居民名册的工作人员可以更正姓名")
    name = normal_name(raw)
    if problem := name_problem(name):
        raise ValidationFailed({"name": problem})
    old = resident.name
    if name == old:
        return resident
    full, initials = name_pinyin(name)
    with transaction.atomic():
        resident.name, resident.name_pinyin, resident.name_initials = name, full, initials
        resident.save(update_fields=["name", "name_pinyin", "name_initials", "updated_at"])
        _follow_names([resident], {resident.pk: old})
        audit.record(
            actor,
            "resident.rename",
            area_path=resident.area_path,
            obj=resident,
            detail={"from": old, "to": name},
            ip=ip,
        )
    return resident


def party_orgs_for(resident: Resident) -> list[Any]:
    """The party organisations a resident may belong to: those placed on their place or
    above it (their community's branches, the street's committee), nearest first."""
    from shequ.areas.paths import ancestors
    from shequ.party.models import PartyOrg

    above = ancestors(resident.area_path)
    return list(PartyOrg.objects.filter(area_path__in=above).order_by("-area_path", "name", "id"))


def set_party_membership(
    actor: Any, resident_id: int, kind: str, org_id: int | None, *, ip: str = ""
) -> Resident:
    """党员信息 on the resident's page: the member kind (社区/在职/流动/无职党员, or not a
    member) and the branch. Set before only by the Excel import, which leaves the branch
    alone: a member could not be placed in a branch, nor moved to another when they moved,
    and a 双报到 refused as 不是党员 had nowhere to be corrected. For those who keep the
    registry there; audited with the old and the new values."""
    resident = get_resident(actor, resident_id)
    if not can(actor, Permission.REGISTRY_IMPORT, resident.area_path):
        raise Forbidden("只有维护本社区居民名册的工作人员可以更改党员信息")
    kind = (kind or "").strip()
    errors: dict[str, str] = {}
    if kind and kind not in PARTY_KINDS:
        errors["party_member_kind"] = "党员类型不在可选范围内"
    org = None
    if org_id is not None:
        org = next((o for o in party_orgs_for(resident) if o.pk == org_id), None)
        if not kind:
            errors["party_org"] = "不是党员的居民不能归属党组织，请先选择党员类型"
        elif org is None:
            errors["party_org"] = "所选党组织不在该居民所在的社区或街道"
    if errors:
        raise ValidationFailed(errors)
    if (resident.party_member_kind, resident.party_org_id) == (kind, org.pk if org else None):
        return resident

    def said(member_kind: str, branch: Any) -> str:  # the log's words: 在职党员（第一党支部）
        label = str(PartyMemberKind(member_kind).label) if member_kind else "不是党员"
        return f"{label}（{branch.name}）" if branch is not None else label

    before = said(resident.party_member_kind, resident.party_org)
    with transaction.atomic():
        resident.party_member_kind, resident.party_org = kind, org
        resident.save(update_fields=["party_member_kind", "party_org", "updated_at"])
        audit.record(
            actor,
            "resident.party",
            area_path=resident.area_path,
            obj=resident,
            detail={"from": before, "to": said(kind, org)},
            ip=ip,
        )
    return resident


def correct_id_number(actor: Any, resident_id: int, raw: str, *, ip: str = "") -> Resident:
    """Correct a registered resident's ID number (mistyped at registration), on the
    resident's page. A re-import never changes a number: the right one came in as a second
    person beside the wrong one. For those who keep the registry there and may read ID
    numbers in full there (the reply tells whether a typed number is the registered one).
    Gender and birth date are the new number's; the number is sealed, hashed and masked as
    at registration. Typing a complete number is a lookup by it (decision 0002): counted
    against the hour's allowance. The audit row keeps the old and the new masked number."""
    resident = get_resident(actor, resident_id)
    path = resident.area_path
    if not (can(actor, Permission.REGISTRY_IMPORT, path) and can(actor, Permission.UNMASK_ID_NUMBER, path)):
        raise Forbidden("只有维护本社区居民名册、可查看完整身份证号的工作人员可以更正身份证号")
    if not (raw or "").strip():
        raise ValidationFailed({"id_number": "身份证号必填"})
    try:
        info = idcard.parse(raw)
    except idcard.IdNumberError as exc:
        raise ValidationFailed({"id_number": str(exc)}) from None
    digest = fieldcrypt.lookup_hash(info.number, "id_number")
    if digest == resident.id_number_hash:
        return resident
    note_number_lookups(actor, [digest], area_path=path, obj=resident)
    old = resident.id_number_masked
    with transaction.atomic():
        if Resident.objects.filter(id_number_hash=digest).exclude(pk=resident.pk).exists():
            raise ValidationFailed({"id_number": "该身份证号已登记在另一位居民名下，请核对"})
        resident.id_number_enc = fieldcrypt.encrypt(info.number, "id_number")
        resident.id_number_hash = digest
        resident.id_number_masked = mask_id_number(info.number)
        resident.gender, resident.birth_date = info.gender, info.birth_date
        fields = ["id_number_enc", "id_number_hash", "id_number_masked", "gender", "birth_date", "updated_at"]
        resident.save(update_fields=fields)
        audit.record(
            actor,
            "resident.id_number_fix",
            area_path=path,
            obj=resident,
            detail={"from": old, "to": resident.id_number_masked},
            ip=ip,
        )
    return resident


def unmask(viewer: Any, resident_id: int, field: str, reason: str, *, ip: str = "") -> str:
    """Return the full ID number or phone of a resident, and write who read it and why.

    Missing, out-of-scope and not-permitted all raise NotFound (via get_resident) or a
    validation error, so ids cannot be probed.
    """
    resident = get_resident(viewer, resident_id)
    errors: dict[str, str] = {}
    if field not in UNMASK_PERMISSION:
        errors["field"] = "只能查看身份证号（id_number）、联系电话（phone）或居住证号（permit_number）"
    reason = unmask_reason(reason, errors)
    if errors:
        raise ValidationFailed(errors)
    label = FIELD_LABELS[field]
    if not can(viewer, UNMASK_PERMISSION[field], resident.area_path):
        raise ValidationFailed({"field": f"您的角色无权查看该居民完整的{label}"})
    token = encrypted_value(resident, field)
    if not token:
        raise ValidationFailed({"field": f"该居民没有登记{label}"})
    with transaction.atomic():
        unmask_allowance(viewer)
        # Decrypt before the audit row: a value that does not open (another key) is
        # neither recorded as read nor counted against the hour's allowance.
        value = fieldcrypt.decrypt(token, field)
        audit.record(
            viewer,
            "resident.unmask",
            area_path=resident.area_path,
            obj=resident,
            detail={"field": field, "reason": reason},
            ip=ip,
        )
    return value


# Every read of a full number, whoever it is of: one hourly allowance for them all.
UNMASK_EVENTS = ("resident.unmask", "resource.unit_unmask")
FULL_EXPORT_EVENTS = ("resident.export", "floating.export", "care.export")


def unmask_reason(reason: str, errors: dict[str, str]) -> str:
    """The reason given for reading a full number, stripped; named in ``errors`` when
    missing or too long."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        errors["reason"] = "请填写查看完整信息的事由（至少2个字）"
    elif len(reason) > 200:
        errors["reason"] = "事由不能超过200个字"
    return reason


def unmask_allowance(viewer: Any) -> None:
    """Inside the transaction that records the read: refuse once the viewer has read
    UNMASK_PER_HOUR full numbers in the last hour."""
    audit.hold_chain()  # counted and appended one request at a time
    if unmask_reads_this_hour(viewer) >= settings.UNMASK_PER_HOUR:
        raise RateLimited(f"每小时最多查看{settings.UNMASK_PER_HOUR}次完整信息，请稍后再试")


def unmask_reads_this_hour(viewer: Any) -> int:
    """The viewer's reads of full numbers in the last hour. A list exported with full
    numbers (its audit row keeps the reason) counts as one read: a user refused 查看完整
    could otherwise export everyone in full instead."""
    since = timezone.now() - timedelta(hours=1)
    reads = Q(event__in=UNMASK_EVENTS) | Q(event__in=FULL_EXPORT_EVENTS, detail__has_key="reason")
    return AuditEvent.objects.filter(reads, actor_id=viewer.pk, at__gte=since).count()


NUMBER_SEARCH = "resident.number_search"
# The same number looked up again within this time (the live search box, then Enter; a
# file checked again) is the lookup already counted.
SEARCHED_AGAIN_WITHIN = timedelta(minutes=10)


class NumberSearchesSpent(RateLimited):
    """More lookups by complete numbers than the hour's allowance has left: ``wanted``
    lookups, ``left`` of the allowance (0 when it is spent)."""

    def __init__(self, message: str, *, wanted: int, left: int) -> None:
        super().__init__(message)
        self.wanted = wanted
        self.left = left


def _number_searches(viewer: Any) -> Any:
    return AuditEvent.objects.filter(event=NUMBER_SEARCH, actor_id=viewer.pk)


def number_searches_left(viewer: Any) -> int:
    """How many lookups by a complete number the viewer may still make this hour."""
    used = _number_searches(viewer).filter(at__gte=timezone.now() - timedelta(hours=1)).count()
    return max(settings.NUMBER_SEARCH_PER_HOUR - used, 0)


def note_number_search(viewer: Any, q: str) -> None:
    """A search by a full number answers whether the number belongs to someone in scope: a
    guessed number is confirmed or not. A masked number and the birth year leave a few
    dozen guesses per resident, so these searches are written to the audit log and limited
    per hour (NUMBER_SEARCH_PER_HOUR), like reads of full numbers. Other searches pass:
    a number that no one can hold (half typed, a wrong check digit) finds nobody, and the
    same number again within ten minutes (the live search box, then Enter) is one search."""
    digest = selectors.number_lookup(q)
    if digest is not None:
        note_number_lookups(viewer, [digest])


def note_number_lookups(
    viewer: Any,
    digests: list[str],
    *,
    charge_refused: bool = False,
    area_path: str | None = None,
    obj: Any = None,
) -> int:
    """Count lookups by complete numbers (their keyed hashes) against the viewer's hourly
    allowance, one audit row ``resident.number_search`` each, without the number (the
    first 16 characters of the keyed hash: an auditor with the key can tell which). A hash
    already counted in the last ten minutes is not counted again. Returns how many were
    counted.

    More than the allowance has left: ``NumberSearchesSpent``, and nothing is counted,
    unless ``charge_refused``: the lookups were already made (a registry import compared
    its file with the registry) and the refusal itself says that more than the rest of the
    allowance of them found someone, so they are counted, and the allowance is spent."""
    keys = list(dict.fromkeys(d[:16] for d in digests))
    if not keys:
        return 0
    now = timezone.now()
    mine = _number_searches(viewer)
    again: set[str] = set()
    for start in range(0, len(keys), 500):
        recent = mine.filter(
            at__gte=now - SEARCHED_AGAIN_WITHIN, detail__digest__in=keys[start : start + 500]
        )
        again.update(recent.values_list("detail__digest", flat=True))
    fresh = [k for k in keys if k not in again]
    if not fresh:
        return 0
    limit = settings.NUMBER_SEARCH_PER_HOUR
    where = home_path(viewer) if area_path is None else area_path
    with transaction.atomic():
        audit.hold_chain()  # counted and appended one request at a time
        left = max(limit - mine.filter(at__gte=now - timedelta(hours=1)).count(), 0)
        over = len(fresh) > left
        if not over or charge_refused:
            for key in fresh:
                audit.record(viewer, NUMBER_SEARCH, area_path=where, obj=obj, detail={"digest": key})
    if over:
        raise NumberSearchesSpent(
            f"每小时最多按完整的身份证号或电话查找{limit}次，请稍后再试，或按姓名查找",
            wanted=len(fresh),
            left=left,
        )
    return len(fresh)


def encrypted_value(resident: Resident, field: str) -> str:
    """The stored ciphertext of a personal field of a resident ("" when none)."""
    if field == "permit_number":
        if resident.residence_type != "floating":
            return ""  # registered here now: the old permit is not shown, as on the page
        profile = FloatingProfile.objects.filter(resident=resident).only("permit_number_enc").first()
        return profile.permit_number_enc if profile else ""
    return resident.id_number_enc if field == "id_number" else resident.phone_enc


BATCH = 2000


def bulk_register_households(rows: list[tuple[Area, str, str]], *, actor: Any = None) -> list[Household]:
    """Register many households at once: (building, code, address) each. For bulk paths
    (the demo, imports); one audit row for the batch."""
    households = [
        Household(
            code=code, building=building, area_path=child_path(building.path, code), address=address.strip()
        )
        for building, code, address in rows
    ]
    return insert_built_households(households, actor=actor)


def insert_built_households(households: list[Household], *, actor: Any = None) -> list[Household]:
    """Insert unsaved households (each with its building, code, area path and door), all
    or nothing, with one audit row; each instance gets its pk, so rows that hold it (an
    import's residents) point at the saved household."""
    for h in households:
        if h.building.kind != AreaKind.BUILDING or not h.address.strip():
            raise ValidationFailed({"address": f"户 {h.code} 的楼栋或门牌有误"})
    with transaction.atomic():
        created = Household.objects.bulk_create(households, batch_size=BATCH)
        if created:
            audit.record(
                actor,
                "household.bulk_create",
                area_path=_common_path([h.area_path for h in created]),
                detail={"count": len(created)},
            )
    return created


def bulk_register_residents(
    rows: list[tuple[ResidentInput, Household]],
    *,
    actor: Any = None,
    extra: dict[int, dict[str, Any]] | None = None,
) -> list[Resident]:
    """Validate every row, then insert all or nothing. ``extra`` sets further fields on
    the row of that index (e.g. ``party_org_id``). Raises ValidationFailed naming the
    first bad row's fields, prefixed with the row number."""
    built = []
    seen: set[str] = set()
    for index, (data, household) in enumerate(rows):
        try:
            resident, _ = build_resident(data, household)
        except ValidationFailed as exc:
            raise ValidationFailed(
                {f"{index + 1}.{k}": v for k, v in exc.fields.items()},
                f"第{index + 1}行有误",
            ) from exc
        if resident.id_number_hash in seen:
            raise ValidationFailed({f"{index + 1}.id_number": "身份证号重复"}, f"第{index + 1}行有误")
        seen.add(resident.id_number_hash)
        for key, value in (extra or {}).get(index, {}).items():
            setattr(resident, key, value)
        built.append(resident)
    return insert_built_residents(built, actor=actor)


def insert_built_residents(built: list[Resident], *, actor: Any = None) -> list[Resident]:
    """Insert residents already checked by ``build_resident`` (bulk paths: the registry
    import), all or nothing, refusing any ID number already registered."""
    with transaction.atomic():
        hashes = [r.id_number_hash for r in built]
        for start in range(0, len(hashes), 500):
            if Resident.objects.filter(id_number_hash__in=hashes[start : start + 500]).exists():
                raise ValidationFailed({"id_number": "有身份证号已登记"})
        created = Resident.objects.bulk_create(built, batch_size=BATCH)
        if created:
            audit.record(
                actor,
                "resident.bulk_create",
                area_path=_common_path([r.area_path for r in created]),
                detail={"count": len(created)},
            )
    return created


UPDATABLE = (
    "name",
    "name_pinyin",
    "name_initials",
    "gender",
    "birth_date",
    "phone_enc",
    "phone_hash",
    "phone_masked",
    "relation",
    "residence_type",
    "care_tags",
    "party_member_kind",
    "household",
    "area",
    "area_path",
)


def update_built_residents(built: list[Resident], *, actor: Any = None) -> int:
    """Write new values (from ``build_resident``, with the registered resident's pk) over
    registered residents: re-imports. The ID number itself is never changed here."""
    if not built:
        return 0
    now = timezone.now()
    for resident in built:
        resident.updated_at = now
    with transaction.atomic():
        before = _as_registered([r.pk for r in built])
        Resident.objects.bulk_update(built, [*UPDATABLE, "updated_at"], batch_size=500)
        # Someone no longer a party member (群众) is no longer in a branch either: the
        # page said 党员：否（第一党支部）. Members keep the branch they are in.
        left = [r.pk for r in built if not r.party_member_kind]
        for start in range(0, len(left), 500):
            Resident.objects.filter(pk__in=left[start : start + 500], party_org__isnull=False).update(
                party_org=None
            )
        _follow_moves(built, {pk: path for pk, (_name, path) in before.items()})
        _follow_names(built, {pk: name for pk, (name, _path) in before.items()})
        audit.record(
            actor,
            "resident.bulk_update",
            area_path=_common_path([r.area_path for r in built]),
            detail={"count": len(built)},
        )
    return len(built)


def _as_registered(ids: list[int]) -> dict[int, tuple[str, str]]:
    """{pk: (name, area_path)} as registered before an update."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        rows = Resident.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", "name", "area_path")
        found.update((pk, (name, path)) for pk, name, path in rows)
    return found


def _follow_names(residents: list[Resident], old_names: dict[int, str]) -> None:
    """A corrected name reaches the copies made of it: the resident's login (下单人, claim
    lists) and points account (rankings, the 公示栏, the account search, delivery labels),
    where they still carry the old name (one named otherwise on purpose is left alone)."""
    from shequ.access.models import User
    from shequ.points.models import Account

    for r in residents:
        old = old_names.get(r.pk)
        if old is None or old == r.name:
            continue
        User.objects.filter(resident_id=r.pk, display_name=old).update(display_name=r.name)
        Account.objects.filter(user__resident_id=r.pk, name=old).update(name=r.name)


def _follow_moves(residents: list[Resident], old_paths: dict[int, str]) -> None:
    """A resident's floating profile, care records and skills carry the resident's area
    path (the scope they are seen in), and their login's resident role and open task
    claims their household's: when residents move household, those rows move with them."""
    from django.apps import apps

    path_of = {r.pk: r.area_path for r in residents}
    ids = list(path_of)
    # The skills registry (tasks.Talent) too: a 能人 is called on by the community they live in.
    for model in (FloatingProfile, CareRecord, apps.get_model("tasks", "Talent")):
        moved: dict[str, list[int]] = {}
        for start in range(0, len(ids), 500):
            rows = model.objects.filter(resident_id__in=ids[start : start + 500]).values_list(
                "resident_id", "area_path"
            )
            for resident_id, path in rows.distinct():
                if path != path_of[resident_id]:
                    moved.setdefault(path_of[resident_id], []).append(resident_id)
        for path, moved_ids in moved.items():
            for start in range(0, len(moved_ids), 500):
                model.objects.filter(resident_id__in=moved_ids[start : start + 500]).update(area_path=path)
    # The resident's own login moves too: its resident role covers the household it now
    # lives in, not the one it left (where it would read whoever is registered next).
    from shequ.access.models import RoleAssignment
    from shequ.access.roles import Role

    Claim = apps.get_model("tasks", "Claim")
    from shequ.tasks.models import OPEN_CLAIM_STATUSES

    by_id = {r.pk: r for r in residents}
    for start in range(0, len(ids), 500):
        held = RoleAssignment.objects.filter(
            role=Role.RESIDENT, user__resident_id__in=ids[start : start + 500]
        ).values_list("pk", "user_id", "user__resident_id", "path")
        for pk, user_id, resident_id, path in held:
            r = by_id[resident_id]
            # Only the role of the home they left moves: a login may hold another
            # household too (granted by hand, a parent's), which stays as it is.
            if path == r.area_path or path != old_paths.get(resident_id):
                continue
            if RoleAssignment.objects.filter(user_id=user_id, role=Role.RESIDENT, path=r.area_path).exists():
                # Already granted the new home (by hand, when they moved in): the old one
                # goes, rather than a second row for the same place (a unique pair).
                RoleAssignment.objects.filter(pk=pk).delete()
            else:
                building = Household.objects.filter(pk=r.household_id).values_list("building_id", flat=True)
                RoleAssignment.objects.filter(pk=pk).update(
                    household_id=r.household_id, area_id=building[0], path=r.area_path
                )
    # An open claim of theirs kept at the old home goes to the new one, so that the grid
    # worker there accepts its proof (tasks.services._claim_place), or to the task's own
    # area if the new home lies outside it.
    moved_claims: list[int] = []
    for r in residents:
        old = old_paths.get(r.pk)
        if old is None or old == r.area_path:
            continue
        open_claims = Claim.objects.filter(
            user__resident_id=r.pk, area_path=old, status__in=OPEN_CLAIM_STATUSES
        )
        for claim_id, task_path in open_claims.values_list("pk", "task__area_path"):
            place = r.area_path if r.area_path.startswith(task_path) else task_path
            Claim.objects.filter(pk=claim_id).update(area_path=place)
            moved_claims.append(claim_id)
    if moved_claims:
        # Proof already sent waits for the new grid's worker now: told, as when it was sent.
        from shequ.tasks.services import tell_waiting_proofs

        tell_waiting_proofs(Claim.objects.filter(pk__in=moved_claims))


def _common_path(paths: list[str]) -> str:
    """The deepest area path shared by all, ending in "/"."""
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[: first.rfind("/", 0, i) + 1] if i else "/"


# ---------------------------------------------------------------------------------------
# Visits (走访, 四千行动), floating population (流动人口) and care groups (重点人群).


@dataclass
class VisitInput:
    visited_on: date | None
    people_met: str
    situation: str
    thoughts: str = ""
    income_level: str = ""
    health: str = ""
    follow_up_on: date | None = None
    needs: tuple[tuple[str, str], ...] = ()  # (description, problem category code or "")


def record_visit(actor: Any, household_id: int, data: VisitInput, *, ip: str = "") -> Visit:
    """A grid worker's visit to a household, with the needs found there."""
    from shequ.people.selectors import get_household

    household = get_household(actor, household_id, Permission.VISIT_RECORD)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if data.visited_on is None:
        errors["visited_on"] = "请填写走访日期"
    elif data.visited_on > today:
        errors["visited_on"] = "走访日期不能晚于今天"
    elif data.visited_on < today - timedelta(days=366):
        errors["visited_on"] = "只能补录一年以内的走访"
    people_met = (data.people_met or "").strip()
    if not people_met:
        errors["people_met"] = "请填写见到了谁，如 户主及配偶"
    elif len(people_met) > 200:
        errors["people_met"] = "见到的人不能超过200个字"
    situation = (data.situation or "").strip()
    if len(situation) < 2:
        errors["situation"] = "请填写家庭情况（至少2个字）"
    if data.income_level and data.income_level not in IncomeLevel.values:
        errors["income_level"] = "收入水平不在可选范围内"
    if data.health and data.health not in Health.values:
        errors["health"] = "健康状况不在可选范围内"
    if data.follow_up_on and data.visited_on and data.follow_up_on < data.visited_on:
        errors["follow_up_on"] = "回访日期不能早于走访日期"
    elif data.follow_up_on and data.visited_on:
        # A year scrolled too far on a phone's date picker (2062 for 2026) is named.
        latest = data.visited_on + timedelta(days=366)
        if data.follow_up_on > latest:
            errors["follow_up_on"] = f"回访日期不能晚于走访后一年（{latest:%Y年%m月%d日}）"
    for i, (description, _category) in enumerate(data.needs):  # numbered as on the form
        if description and len(description.strip()) > 500:
            errors[f"needs.{i}"] = (
                f"第 {i + 1} 条需求不能超过 500 个字（现在 {len(description.strip())} 个字）"
            )
    chosen = {(c or "").strip() for d, c in data.needs if d and d.strip()} - {""}
    if chosen:
        from shequ.problems.models import ProblemCategory

        known = set(
            ProblemCategory.objects.filter(active=True, code__in=chosen).values_list("code", flat=True)
        )
        for i, (description, category) in enumerate(data.needs):
            code = (category or "").strip()
            if description and description.strip() and code and code not in known:
                errors.setdefault(f"needs.{i}", f"第 {i + 1} 条需求的问题类别“{code[:20]}”不存在，请重新选择")
    needs = [(d.strip(), c.strip()) for d, c in data.needs if d and d.strip()]
    if errors:
        raise ValidationFailed(errors)
    assert data.visited_on is not None
    with transaction.atomic():
        # A second tap, or a form sent again after a slow answer, records the visit once:
        # the same worker's same visit (every field alike: one sent again with a field
        # corrected is a record of its own, never dropped) within a few minutes is the one
        # already saved. The household is locked so that two requests at once cannot both
        # miss it.
        Household.objects.select_for_update().filter(pk=household.pk).first()
        fields = {
            "household": household,
            "visitor": actor,
            "visited_on": data.visited_on,
            "people_met": people_met,
            "situation": situation,
            "thoughts": (data.thoughts or "").strip(),
            "income_level": data.income_level,
            "health": data.health,
            "follow_up_on": data.follow_up_on,
        }
        recent = Visit.objects.filter(**fields, created_at__gte=timezone.now() - RESENT_WINDOW)
        twin = recent.order_by("-id").first()
        if twin is not None and list(twin.needs.values_list("description", "category")) == needs:
            return twin
        visit = Visit.objects.create(**fields, area_path=household.area_path)
        VisitNeed.objects.bulk_create(
            [VisitNeed(visit=visit, area_path=visit.area_path, description=d, category=c) for d, c in needs]
        )
        audit.record(actor, "visit.create", area_path=visit.area_path, obj=visit, ip=ip)
    return visit


def need_to_problem(actor: Any, need_id: int, category: str = "", *, ip: str = "") -> Any:
    """Pass a need found on a visit to the problem list (source 走访发现), in one tap."""
    from shequ.people.selectors import get_visit_need
    from shequ.problems.models import Source
    from shequ.problems.services import ReportInput, report_problem

    need = get_visit_need(actor, need_id)
    if need.problem_id:
        raise ValidationFailed({"need": "这条需求已转入问题清单"})
    category = category or need.category
    if not category:
        raise ValidationFailed({"category": "请选择问题类别"})
    household = need.visit.household
    with transaction.atomic():
        problem, _ = report_problem(
            actor,
            ReportInput(
                category=category,
                description=f"走访发现：{need.description}（{household.building.name} {household.address}）",
                source=Source.VISIT,
                area=household.building.code,
                idempotency_key=f"visit-need-{need.pk}",
            ),
            ip=ip,
        )
        VisitNeed.objects.filter(pk=need.pk).update(problem=problem, category=category)
        audit.record(actor, "visit.need_to_problem", area_path=need.area_path, obj=need, ip=ip)
    return problem


# A 回访日期 further back than this is not reminded: the first run after deployment (or
# after the job was stopped a while) does not send a season of old follow-ups at once.
FOLLOW_UP_LOOKBACK_DAYS = 7


def send_follow_up_reminders(today: date | None = None) -> int:
    """走访 whose 回访日期 has come (in the last FOLLOW_UP_LOOKBACK_DAYS days, today
    included) and whose household has not been visited again since: the visitor is told,
    or, when they may no longer record visits there (moved, stopped), the grid's workers.
    Once per visit (the notice's link and text), so the job may run as often as it likes.
    Returns how many notices it sent."""
    from shequ.access.holders import holders
    from shequ.notifications.services import notify_unheard

    today = today or timezone.localdate()
    # Visited again since: the follow-up was made.
    again = Visit.objects.filter(household_id=OuterRef("household_id"), visited_on__gt=OuterRef("visited_on"))
    due = (
        Visit.objects.filter(
            follow_up_on__lte=today, follow_up_on__gte=today - timedelta(days=FOLLOW_UP_LOOKBACK_DAYS)
        )
        .exclude(Exists(again))
        .select_related("household", "household__building", "visitor")
        .order_by("follow_up_on", "id")
    )
    sent = 0
    for visit in due:
        visitor = visit.visitor
        if visitor.is_active and can(visitor, Permission.VISIT_RECORD, visit.area_path):
            told = [visitor]
        else:
            told = holders(Permission.VISIT_RECORD, visit.area_path)
        back = visit.follow_up_on
        assert back is not None
        text = (
            f"回访提醒：{visit.household}，{visit.visited_on.month}月{visit.visited_on.day}日走访时"
            f"约定{back.month}月{back.day}日回访"
        )
        sent += notify_unheard(told, text, f"/visits/{visit.pk}/", same_text=True)
    return sent


# Permits and leases ending within this many days (today included) are told of.
EXPIRY_NOTICE_DAYS = 7


def send_expiry_reminders(today: date | None = None) -> int:
    """居住证 and 租期 ending in the next EXPIRY_NOTICE_DAYS days, today included, of
    floating residents who have not left: those who manage the floating population where
    the resident lives (the grid's workers; with none, the community's) are told, so that
    the permit is renewed, or the lease's end is checked (renewed, or the resident left).
    Once per resident and date (the notice's link and text): a renewed permit whose new
    date comes round is told again, and the job may run as often as it likes. Returns how
    many notices it sent."""
    from shequ.access.holders import holders
    from shequ.notifications.services import notify_unheard

    today = today or timezone.localdate()
    end = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    present = FloatingProfile.objects.filter(resident__residence_type="floating").filter(
        Q(left_on__isnull=True) | Q(left_on__gt=today)
    )
    due = (
        present.filter(Q(permit_expires__range=(today, end)) | Q(lease_end__range=(today, end)))
        .select_related("resident")
        .order_by("area_path", "id")
    )
    managers: dict[str, list[Any]] = {}
    sent = 0
    for profile in due:
        told = managers.get(profile.area_path)
        if told is None:
            told = managers[profile.area_path] = holders(Permission.FLOATING_MANAGE, profile.area_path)
        name, link = profile.resident.name, f"/residents/{profile.resident_id}/"
        texts = []
        if profile.permit_expires and today <= profile.permit_expires <= end:
            day = profile.permit_expires
            texts.append(f"居住证到期提醒：{name}的居住证{day.month}月{day.day}日到期，请提醒其续办")
        if profile.lease_end and today <= profile.lease_end <= end:
            day = profile.lease_end
            texts.append(f"租期到期提醒：{name}的租期{day.month}月{day.day}日结束，请核实是否续租或已离开")
        for text in texts:
            sent += notify_unheard(told, text, link, same_text=True)
    return sent


def plan_visits(
    actor: Any, grid_code: str, month: str, worker_id: int, target_households: int, note: str = ""
) -> VisitPlan:
    """Set (or change) a worker's planned visits in a grid for a month."""
    from shequ.access.models import User
    from shequ.areas.selectors import get_area

    grid = get_area(actor, grid_code, Permission.VISIT_PLAN)
    errors: dict[str, str] = {}
    if grid.kind != AreaKind.GRID:
        errors["grid"] = "走访计划按网格制定，请选择网格"
    if month_param(month) != month:
        errors["month"] = month_error(month)
    worker = User.objects.filter(pk=worker_id).first()
    if worker is None or not can(worker, Permission.VISIT_RECORD, grid.path):
        errors["worker"] = "请选择负责这个网格走访的网格员"
    note = (note or "").strip()
    too_long(errors, [("note", "备注", note, 200)])
    households = Household.objects.under(grid.path).count()
    if target_households < 1:
        errors["target_households"] = "计划走访户数至少为1"
    elif target_households > households:
        errors["target_households"] = f"计划走访户数不能超过网格内的户数（{households}户）"
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        plan, _ = VisitPlan.objects.update_or_create(
            grid=grid,
            month=month,
            worker=worker,
            defaults={
                "area_path": grid.path,
                "target_households": target_households,
                "note": note,
                "created_by": actor,
            },
        )
        audit.record(actor, "visit.plan", area_path=grid.path, obj=plan, detail={"month": month})
    return plan


@dataclass
class FloatingInput:
    landlord_id: int | None = None
    lease_start: date | None = None
    lease_end: date | None = None
    employer: str = ""
    permit_number: str = ""  # "" keeps the number already recorded; "无" takes it off
    permit_expires: date | None = None
    origin: str = ""
    arrived_on: date | None = None
    left_on: date | None = None


# The dates a floating resident's record may hold: a typo (0001-01-01, 9999-12-31) is named.
FLOATING_EARLIEST, FLOATING_LATEST = date(1950, 1, 1), date(2100, 12, 31)


def set_floating(actor: Any, resident_id: int, data: FloatingInput, *, ip: str = "") -> FloatingProfile:
    """Record or update a floating resident's rental home, landlord, work and permit."""
    resident = get_resident(actor, resident_id)
    errors: dict[str, str] = {}
    if not can(actor, Permission.FLOATING_MANAGE, resident.area_path):
        raise NotFound("居民")
    if resident.residence_type != ResidenceType.FLOATING:
        errors["resident"] = "只有流动人口才登记租住和居住证信息，请先把人口类型改为流动人口"
    landlord = None
    kept = FloatingProfile.objects.filter(resident=resident).values_list("landlord_id", flat=True).first()
    if data.landlord_id and data.landlord_id == kept:
        # The landlord already recorded stays, even one living outside the editor's scope
        # (renting from someone in the next grid): only a new landlord must be in scope.
        landlord = Resident.objects.get(pk=kept)
    elif data.landlord_id:
        try:
            landlord = get_resident(actor, data.landlord_id)
        except Exception:  # noqa: BLE001 - the same message for missing and out of scope
            errors["landlord_id"] = "房东须是您管辖范围内已登记的居民"
        else:
            if landlord.pk == resident.pk:
                errors["landlord_id"] = "房东不能是本人"
    today = timezone.localdate()
    for name, label in (
        ("lease_start", "租期开始"),
        ("lease_end", "租期结束"),
        ("permit_expires", "居住证有效期"),
        ("arrived_on", "来本地日期"),
        ("left_on", "离开日期"),
    ):
        day = getattr(data, name)
        if day is not None and not FLOATING_EARLIEST <= day <= FLOATING_LATEST:
            errors[name] = f"{label}须在 {FLOATING_EARLIEST.year} 年到 {FLOATING_LATEST.year} 年之间"
    if "arrived_on" not in errors and data.arrived_on and data.arrived_on > today:
        errors["arrived_on"] = "来本地日期不能晚于今天"
    if data.lease_start and data.lease_end and data.lease_end < data.lease_start:
        errors.setdefault("lease_end", "租期结束不能早于租期开始")
    if data.arrived_on and data.left_on and data.left_on < data.arrived_on:
        errors.setdefault("left_on", "离开日期不能早于来本地日期")
    permit = "".join(unicodedata.normalize("NFKC", data.permit_number or "").split()).upper()
    clear_permit = permit in CLEAR_WORDS  # "无": the recorded number is taken off
    if clear_permit:
        permit = ""
    if permit and not (6 <= len(permit) <= 30 and permit.isalnum()):
        errors["permit_number"] = "居住证号应为6到30位字母或数字"
    too_long(errors, [("employer", "工作单位", data.employer, 100), ("origin", "户籍地", data.origin, 100)])
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        profile = FloatingProfile.objects.filter(resident=resident).first() or FloatingProfile(
            resident=resident
        )
        profile.area_path = resident.area_path
        profile.landlord = landlord
        profile.lease_start, profile.lease_end = data.lease_start, data.lease_end
        profile.employer = (data.employer or "").strip()
        profile.origin = (data.origin or "").strip()
        profile.permit_expires = data.permit_expires
        profile.arrived_on, profile.left_on = data.arrived_on, data.left_on
        if clear_permit:
            profile.permit_number_enc = profile.permit_number_hash = profile.permit_number_masked = ""
        if permit:
            profile.permit_number_enc = fieldcrypt.encrypt(permit, "permit_number")
            profile.permit_number_hash = fieldcrypt.lookup_hash(permit, "permit_number")
            profile.permit_number_masked = mask_permit_number(permit)
        profile.save()
        audit.record(actor, "floating.update", area_path=profile.area_path, obj=profile, ip=ip)
    return profile


def record_care(
    actor: Any, resident_id: int, kind: str, content: str, cared_on: date | None, *, ip: str = ""
) -> CareRecord:
    resident = get_resident(actor, resident_id)
    if not can(actor, Permission.CARE_MANAGE, resident.area_path):
        raise NotFound("居民")
    errors: dict[str, str] = {}
    if kind not in CareKind.values:
        errors["kind"] = "请选择关爱方式"
    content = (content or "").strip()
    if len(content) < 2:
        errors["content"] = "请填写关爱内容（至少2个字）"
    elif len(content) > 2000:
        errors["content"] = "关爱内容不能超过2000字"
    earliest = timezone.localdate() - timedelta(days=366)
    if cared_on is None:
        errors["cared_on"] = "请填写日期"
    elif cared_on > timezone.localdate():
        errors["cared_on"] = "日期不能晚于今天"
    elif cared_on < earliest:
        errors["cared_on"] = f"日期不能早于 {earliest:%Y年%m月%d日}（只补记一年内的关爱）"
    if errors:
        raise ValidationFailed(errors)
    assert cared_on is not None
    with transaction.atomic():
        # As for visits: the same record sent twice within a few minutes is kept once.
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        twin = (
            CareRecord.objects.filter(
                resident=resident,
                carer=actor,
                cared_on=cared_on,
                kind=kind,
                content=content,
                created_at__gte=timezone.now() - RESENT_WINDOW,
            )
            .order_by("-id")
            .first()
        )
        if twin is not None:
            return twin
        record = CareRecord.objects.create(
            resident=resident,
            area_path=resident.area_path,
            carer=actor,
            cared_on=cared_on,
            kind=kind,
            content=content,
        )
        audit.record(actor, "care.create", area_path=record.area_path, obj=record, ip=ip)
    return record
