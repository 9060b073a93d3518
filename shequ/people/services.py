"""Writes to the registry: households, residents, and the audited reading of full values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shequ.access import audit
from shequ.access.masking import mask_id_number, mask_phone
from shequ.access.models import AuditEvent
from shequ.access.roles import UNMASK_PERMISSION
from shequ.access.scope import can
from shequ.areas.models import Area, AreaKind
from shequ.areas.paths import child_path
from shequ.core import fieldcrypt
from shequ.core.errors import RateLimited, ValidationFailed
from shequ.people import idcard, phones
from shequ.people.models import (
    CareGroup,
    Gender,
    Household,
    PartyMemberKind,
    Relation,
    ResidenceType,
    Resident,
)
from shequ.people.pinyin import name_pinyin
from shequ.people.selectors import get_resident

FIELD_LABELS = {"id_number": "身份证号", "phone": "联系电话"}
GENDERS = frozenset(Gender.values)
RELATIONS = frozenset(Relation.values)
RESIDENCE_TYPES = frozenset(ResidenceType.values)
CARE_GROUPS = frozenset(CareGroup.values)
PARTY_KINDS = frozenset(PartyMemberKind.values)


def register_household(
    *, building: Area, address: str, code: str | None = None, actor: Any = None
) -> Household:
    address = (address or "").strip()
    errors = {}
    if building.kind != AreaKind.BUILDING:
        errors["building"] = "户必须登记在楼栋下"
    if not address:
        errors["address"] = "门牌必填，如 2单元301"
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


def build_resident(data: ResidentInput, household: Household) -> tuple[Resident, list[str]]:
    """Check one resident's data and return the unsaved row and any warnings.

    Raises ValidationFailed naming every field at fault. Gender and birth date may be
    left empty (they are taken from the ID number); if given they must agree with it.
    """
    errors: dict[str, str] = {}
    warnings: list[str] = []
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "姓名必填"
    elif len(name) > 50:
        errors["name"] = "姓名不能超过50个字"
    info = None
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
    resident = Resident(
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=gender,
        birth_date=birth_date,
        id_number_enc=fieldcrypt.encrypt(info.number, "id_number"),
        id_number_hash=fieldcrypt.lookup_hash(info.number, "id_number"),
        id_number_masked=mask_id_number(info.number),
        phone_enc=fieldcrypt.encrypt(phone, "phone"),
        phone_hash=fieldcrypt.lookup_hash(phone, "phone"),
        phone_masked=mask_phone(phone),
        household=household,
        relation=data.relation,
        residence_type=data.residence_type,
        care_tags=("," + ",".join(sorted(set(data.care_tags))) + ",") if data.care_tags else "",
        party_member_kind=data.party_member_kind,
        area_id=household.building_id,
        area_path=household.area_path,
    )
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


def unmask(viewer: Any, resident_id: int, field: str, reason: str, *, ip: str = "") -> str:
    """Return the full ID number or phone of a resident, and write who read it and why.

    Missing, out-of-scope and not-permitted all raise NotFound (via get_resident) or a
    validation error, so ids cannot be probed.
    """
    resident = get_resident(viewer, resident_id)
    errors = {}
    if field not in UNMASK_PERMISSION:
        errors["field"] = "只能查看身份证号（id_number）或联系电话（phone）"
    reason = (reason or "").strip()
    if len(reason) < 2:
        errors["reason"] = "请填写查看完整信息的事由（至少2个字）"
    elif len(reason) > 200:
        errors["reason"] = "事由不能超过200个字"
    if errors:
        raise ValidationFailed(errors)
    label = FIELD_LABELS[field]
    if not can(viewer, UNMASK_PERMISSION[field], resident.area_path):
        raise ValidationFailed({"field": f"您的角色无权查看该居民完整的{label}"})
    since = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        used = AuditEvent.objects.filter(actor_id=viewer.pk, event="resident.unmask", at__gte=since).count()
        if used >= settings.UNMASK_PER_HOUR:
            raise RateLimited(f"每小时最多查看{settings.UNMASK_PER_HOUR}次完整信息，请稍后再试")
        audit.record(
            viewer,
            "resident.unmask",
            area_path=resident.area_path,
            obj=resident,
            detail={"field": field, "reason": reason},
            ip=ip,
        )
    token = resident.id_number_enc if field == "id_number" else resident.phone_enc
    return fieldcrypt.decrypt(token, field)


BATCH = 2000


def bulk_register_households(rows: list[tuple[Area, str, str]], *, actor: Any = None) -> list[Household]:
    """Register many households at once: (building, code, address) each. For bulk paths
    (the demo, imports); one audit row for the batch."""
    households = []
    for building, code, address in rows:
        if building.kind != AreaKind.BUILDING or not address.strip():
            raise ValidationFailed({"address": f"户 {code} 的楼栋或门牌有误"})
        households.append(
            Household(
                code=code,
                building=building,
                area_path=child_path(building.path, code),
                address=address.strip(),
            )
        )
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
        Resident.objects.bulk_update(built, [*UPDATABLE, "updated_at"], batch_size=500)
        audit.record(
            actor,
            "resident.bulk_update",
            area_path=_common_path([r.area_path for r in built]),
            detail={"count": len(built)},
        )
    return len(built)


def _common_path(paths: list[str]) -> str:
    """The deepest area path shared by all, ending in "/"."""
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[: first.rfind("/", 0, i) + 1] if i else "/"
