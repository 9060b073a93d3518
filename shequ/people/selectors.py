"""Reads of the registry, always on behalf of a viewer."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from shequ.access.roles import Permission
from shequ.areas.paths import under
from shequ.core import fieldcrypt
from shequ.core.errors import NotFound
from shequ.people import idcard, phones
from shequ.people.models import Household, Resident

_ID_LIKE = re.compile(r"^\d{17}[\dX]$")
_PHONE_LIKE = re.compile(r"^\+?[\d\-]{7,}$")
_LETTERS = re.compile(r"^[a-z]+$")


def search_q(q: str) -> Q:
    """What a search box finds: a full ID number or phone (exact, via the keyed hash),
    pinyin initials or full pinyin (prefix), or the start of a name."""
    text = q.strip()
    if not text:
        return Q()
    number = idcard.normalize(text)
    if _ID_LIKE.match(number):
        return Q(id_number_hash=fieldcrypt.lookup_hash(number, "id_number"))
    if _PHONE_LIKE.match(text.replace(" ", "")):
        try:
            return Q(phone_hash=fieldcrypt.lookup_hash(phones.normalize(text), "phone"))
        except phones.PhoneError:
            return Q(pk__in=[])
    lowered = text.lower().replace(" ", "")
    if _LETTERS.match(lowered):
        return Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    return Q(name__startswith=text)


def resident_list(viewer: Any, *, area_path: str | None = None, q: str = "") -> QuerySet[Resident]:
    qs = Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
    if area_path:
        qs = qs.filter(under(area_path))
    if q:
        qs = qs.filter(search_q(q))
    return qs.select_related("household", "area").order_by("area_path", "id")


def get_resident(viewer: Any, resident_id: int) -> Resident:
    try:
        return (
            Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
            .select_related("household", "area", "party_org")
            .get(pk=resident_id)
        )
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise NotFound("居民") from None


def get_household(viewer: Any, household_id: int) -> Household:
    try:
        return (
            Household.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
            .select_related("building")
            .get(pk=household_id)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFound("户") from None


def household_members(viewer: Any, household: Household) -> QuerySet[Resident]:
    return (
        Resident.objects.visible_to(viewer, Permission.RESIDENT_VIEW)
        .filter(household=household)
        .order_by("id")
    )
