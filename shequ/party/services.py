"""Writes to party organisations."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shequ.access import audit
from shequ.areas.models import Area
from shequ.core.errors import ValidationFailed
from shequ.party.models import PartyOrg, PartyOrgKind


def create_party_org(
    *, name: str, kind: str, area: Area, parent: PartyOrg | None = None, actor: Any = None
) -> PartyOrg:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "党组织名称必填"
    if kind not in PartyOrgKind.values:
        errors["kind"] = "党组织类型不在可选范围内"
    if parent is not None and not area.path.startswith(parent.area_path):
        errors["parent"] = "上级党组织必须在同一区域或其上级区域"
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        org = PartyOrg.objects.create(name=name, kind=kind, area=area, area_path=area.path, parent=parent)
        audit.record(actor, "party.org_create", area_path=area.path, obj=org, detail={"name": name})
    return org
