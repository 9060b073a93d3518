"""Writes to party organisations and 双报到 registrations."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shequ.access import audit
from shequ.access.models import User
from shequ.access.roles import GRANTS, Permission
from shequ.access.scope import assignments
from shequ.areas.models import Area
from shequ.core.errors import NotFound, ValidationFailed
from shequ.notifications.services import notify
from shequ.party.models import DualRegistration, PartyOrg, PartyOrgKind


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


def register_dual(
    actor: Any, community_code: str, username: str, unit: str = "", *, ip: str = ""
) -> DualRegistration:
    """双报到: a party member's login reports to a community (in the actor's
    ``task.manage`` scope), so that it claims the community's public tasks as its
    residents do. The login must be in use (active, holding a role: its home's resident
    role or its unit's), and, when it is linked to a registry record, that record must
    be a party member's."""
    managed = Area.objects.visible_to(actor, Permission.TASK_MANAGE)
    community = managed.filter(code=community_code, kind="community").first()
    if community is None:
        raise NotFound("社区")
    name = (username or "").strip()
    unit = (unit or "").strip()
    errors: dict[str, str] = {}
    users = User.objects.filter(username=name, is_active=True).select_related("resident")
    user = users.first() if name else None
    if not name:
        errors["username"] = "请填写报到党员的登录用户名"
    elif user is None or not assignments(user):
        errors["username"] = f"找不到用户名为“{name[:50]}”的在用登录账号"
    elif user.pk == getattr(actor, "pk", None):
        # As nobody accepts their own task's proof or records their own service points.
        errors["username"] = "不能为自己登记双报到，请由其他工作人员登记"
    elif any(
        Permission.TASK_VIEW in GRANTS.get(role, ())
        and (path.startswith(community.path) or community.path.startswith(path))
        for role, path in assignments(user)
    ):
        # Those who run or accept the community's tasks earn none of its points.
        errors["username"] = f"该账号是{community.name}的工作人员，不能在本社区登记双报到"
    elif user.resident is not None and not user.resident.party_member_kind:
        errors["username"] = "该账号登记的居民不是党员，不能登记双报到；请先在居民信息中更正党员类型"
    elif DualRegistration.objects.filter(user=user, community=community).exists():
        errors["username"] = f"该党员已在{community.name}报到，不能重复登记"
    if len(unit) > 100:
        errors["unit"] = "工作单位最多 100 个字"
    if errors:
        raise ValidationFailed(errors)
    assert user is not None
    with transaction.atomic():
        found = DualRegistration.objects.create(
            user=user, community=community, area_path=community.path, unit=unit, registered_by=actor
        )
        audit.record(
            actor, "party.dual_register", area_path=community.path, obj=found, detail={"user": user.pk}, ip=ip
        )
        # Nobody registers themselves: the member learns here that the community's public
        # tasks are now theirs to claim, rather than never opening the board.
        notify(
            [user],
            f"您已在{community.name}登记双报到（在职党员），可以在任务大厅领取{community.name}的公开任务，"
            "所得积分记入您本人的积分账户",
            "/tasks/",
        )
    return found


def end_dual(actor: Any, registration_id: int, *, ip: str = "") -> None:
    """The member no longer reports to the community (moved on, registered by mistake):
    they claim its public tasks no more; points already earned stay theirs. Their claims
    there with no proof sent are withdrawn and they are told (as when a unit's member
    leaves it), unless they live in the community and may claim them anyway; proof
    already sent is still reviewed."""
    from shequ.areas.paths import under
    from shequ.tasks.models import Claim
    from shequ.tasks.selectors import resident_communities
    from shequ.tasks.services import withdraw_unproved

    managed = DualRegistration.objects.visible_to(actor, Permission.TASK_MANAGE)
    found = managed.filter(pk=registration_id).select_related("user", "community").first()
    if found is None:
        raise NotFound("双报到登记")
    with transaction.atomic():
        detail: dict[str, Any] = {"user": found.user_id}
        registration = DualRegistration(pk=found.pk, area_path=found.area_path)  # the audit row's object
        found.delete()
        leaves = found.area_path not in resident_communities(found.user)
        if leaves:
            withdrawn = withdraw_unproved(
                actor,
                Claim.objects.filter(
                    under(found.area_path, "task__area_path"), user_id=found.user_id, unit=None
                ),
                "已不再在该社区报到，未提交凭证的接单自动撤回",
            )
            if withdrawn:
                detail["claims_withdrawn"] = withdrawn
        if leaves and found.user.is_active:
            # Its public tasks leave their board: said, not left to be noticed (one who
            # lives in the community still claims them as its resident).
            notify(
                [found.user],
                f"您在{found.community.name}的双报到登记已撤销，不能再领取该社区的公开任务；"
                "已获得的积分仍归您所有",
                "/points/",
                skip=actor,
            )
        audit.record(
            actor, "party.dual_end", area_path=found.area_path, obj=registration, detail=detail, ip=ip
        )
