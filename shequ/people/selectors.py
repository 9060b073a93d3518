"""Reads of the registry, always on behalf of a viewer."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from shequ.access.roles import Permission
from shequ.areas.paths import under
from shequ.core import fieldcrypt
from shequ.core.errors import NotFound
from shequ.core.fields import starts_with
from shequ.people import idcard, phones
from shequ.people.models import Household, Resident

_ID_LIKE = re.compile(r"^\d{17}[\dX]$")
_PHONE_LIKE = re.compile(r"^\+?[\d\-]{7,}$")
_LETTERS = re.compile(r"^[a-z]+$")


def search(qs: QuerySet[Resident], q: str) -> QuerySet[Resident]:
    """What a search box finds, and in which order.

    A full ID number or phone matches exactly, through the keyed hash. Letters match the
    start of the pinyin initials (`zs`) or of the full pinyin (`zhangs`), sorted by pinyin.
    Anything else matches the start of the name. Each is a range on its own index, so a
    search stays fast however many residents are in scope.
    """
    text = q.strip()
    if not text:
        return qs.order_by("area_path", "id")
    number = idcard.normalize(text)
    if _ID_LIKE.match(number):
        return qs.filter(id_number_hash=fieldcrypt.lookup_hash(number, "id_number")).order_by("id")
    if _PHONE_LIKE.match(text.replace(" ", "")):
        try:
            digest = fieldcrypt.lookup_hash(phones.normalize(text), "phone")
        except phones.PhoneError:
            return qs.none()
        return qs.filter(phone_hash=digest).order_by("id")
    lowered = text.lower().replace(" ", "")
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
        .select_related("household", "area")
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
