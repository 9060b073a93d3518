"""Roles and permissions, declared once.

A permission is granted to a role; a user holds a role *for an area* (a role
assignment), so a permission always comes with the part of the tree it covers.
Views and services ask ``scope`` for "where may this user do X", never "what role is this".
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("街道管理员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    GRID_WORKER = "grid_worker", _("网格员")
    BUILDING_HEAD = "building_head", _("楼栋长")
    RESIDENT = "resident", _("居民")
    PARTNER_UNIT = "partner_unit", _("共建单位")
    AUDITOR = "auditor", _("审计员")


class Permission(StrEnum):
    AREA_VIEW = "area.view"
    STATS_VIEW = "stats.view"
    RESIDENT_VIEW = "resident.view"
    UNMASK_ID_NUMBER = "resident.unmask_id_number"
    UNMASK_PHONE = "resident.unmask_phone"
    AUDIT_VIEW = "audit.view"
    PROBLEM_VIEW = "problem.view"
    PROBLEM_REPORT = "problem.report"
    PROBLEM_TRIAGE = "problem.triage"
    PROBLEM_HANDLE = "problem.handle"
    PROBLEM_VERIFY = "problem.verify"
    PROBLEM_URGE = "problem.urge"
    PROBLEM_EXPORT = "problem.export"
    PROBLEM_CATALOGUE = "problem.catalogue"  # the category catalogue, shared by every street
    TASK_VIEW = "task.view"
    TASK_MANAGE = "task.manage"
    TASK_APPROVE = "task.approve"
    TASK_ACCEPT = "task.accept"
    TASK_CLAIM = "task.claim"
    RESOURCE_VIEW = "resource.view"
    RESOURCE_MANAGE = "resource.manage"
    POINTS_VIEW = "points.view"
    POINTS_MANAGE = "points.manage"
    STORE_MANAGE = "store.manage"
    REGISTRY_IMPORT = "registry.import"
    REGISTRY_EXPORT = "registry.export"
    VISIT_RECORD = "visit.record"
    VISIT_PLAN = "visit.plan"
    FLOATING_MANAGE = "floating.manage"
    CARE_MANAGE = "care.manage"


P = Permission
_PROBLEM_STAFF = {
    P.PROBLEM_VIEW,
    P.PROBLEM_REPORT,
    P.PROBLEM_TRIAGE,
    P.PROBLEM_HANDLE,
    P.PROBLEM_VERIFY,
    P.PROBLEM_EXPORT,
}
# Community staff run the task list, the resource list, the ledger and the store; the
# street office also approves the monthly task lists.
_TASK_STAFF = {
    P.TASK_VIEW,
    P.TASK_MANAGE,
    P.TASK_ACCEPT,
    P.RESOURCE_VIEW,
    P.RESOURCE_MANAGE,
    P.POINTS_VIEW,
    P.POINTS_MANAGE,
    P.STORE_MANAGE,
}
# Registers in and out of Excel, visits, floating population and care groups (issue 5).
_REGISTRY_STAFF = {
    P.REGISTRY_IMPORT,
    P.REGISTRY_EXPORT,
    P.VISIT_RECORD,
    P.VISIT_PLAN,
    P.FLOATING_MANAGE,
    P.CARE_MANAGE,
}
_REGISTRY_GRID = {P.REGISTRY_EXPORT, P.VISIT_RECORD, P.FLOATING_MANAGE, P.CARE_MANAGE}
GRANTS: dict[str, frozenset[Permission]] = {
    Role.STREET_ADMIN: frozenset(
        {P.AREA_VIEW, P.STATS_VIEW, P.RESIDENT_VIEW, P.UNMASK_ID_NUMBER, P.UNMASK_PHONE, P.PROBLEM_URGE}
        | _PROBLEM_STAFF
        | _TASK_STAFF
        | {P.TASK_APPROVE, P.PROBLEM_CATALOGUE}
        | _REGISTRY_STAFF
    ),
    Role.COMMUNITY_SECRETARY: frozenset(
        {P.AREA_VIEW, P.STATS_VIEW, P.RESIDENT_VIEW, P.UNMASK_ID_NUMBER, P.UNMASK_PHONE, P.PROBLEM_URGE}
        | _PROBLEM_STAFF
        | _TASK_STAFF
        | _REGISTRY_STAFF
    ),
    Role.COMMUNITY_STAFF: frozenset(
        {P.AREA_VIEW, P.STATS_VIEW, P.RESIDENT_VIEW, P.UNMASK_PHONE}
        | _PROBLEM_STAFF
        | _TASK_STAFF
        | _REGISTRY_STAFF
    ),
    Role.GRID_WORKER: frozenset(
        {
            P.AREA_VIEW,
            P.STATS_VIEW,
            P.RESIDENT_VIEW,
            P.UNMASK_PHONE,
            P.PROBLEM_VIEW,
            P.PROBLEM_REPORT,
            P.PROBLEM_HANDLE,
            P.TASK_VIEW,
            P.TASK_ACCEPT,
            P.RESOURCE_VIEW,
        }
        | _REGISTRY_GRID
    ),
    Role.BUILDING_HEAD: frozenset({P.AREA_VIEW, P.RESIDENT_VIEW, P.PROBLEM_REPORT}),
    # A resident's assignment covers their own household only (see RoleAssignment); the
    # problems they report are theirs by authorship, not by area.
    # Residents claim public tasks of their community; partner units the tasks aimed at them.
    Role.RESIDENT: frozenset({P.RESIDENT_VIEW, P.PROBLEM_REPORT, P.TASK_CLAIM}),
    Role.PARTNER_UNIT: frozenset({P.AREA_VIEW, P.TASK_CLAIM}),
    Role.AUDITOR: frozenset({P.AREA_VIEW, P.AUDIT_VIEW, P.POINTS_VIEW}),
}

# The area kind a role is normally assigned at. A role is granted there or below, never
# above (`access.services.check_level`): `user add` and `user grant` refuse a wider place.
ROLE_AREA_KIND: dict[str, str] = {
    Role.STREET_ADMIN: "street",
    Role.COMMUNITY_SECRETARY: "community",
    Role.COMMUNITY_STAFF: "community",
    Role.GRID_WORKER: "grid",
    Role.BUILDING_HEAD: "building",
    Role.RESIDENT: "household",
    Role.PARTNER_UNIT: "community",
    Role.AUDITOR: "street",
}

# A residence permit (居住证) number is read in full on the same terms as an ID number.
UNMASK_PERMISSION = {
    "id_number": P.UNMASK_ID_NUMBER,
    "phone": P.UNMASK_PHONE,
    "permit_number": P.UNMASK_ID_NUMBER,
}
