from shequ.access.roles import GRANTS, Permission, Role

# The policy as the issues state it, written out once more so that a change to the
# declared grants has to change this table too.
PROBLEM_STAFF = {
    "problem.view",
    "problem.report",
    "problem.triage",
    "problem.handle",
    "problem.verify",
    "problem.export",
}
TASK_STAFF = {
    "task.view",
    "task.manage",
    "task.accept",
    "resource.view",
    "resource.manage",
    "points.view",
    "points.manage",
    "store.manage",
}
# Issue 5: registers in and out of Excel, visits, floating population, care groups.
REGISTRY_STAFF = {
    "registry.import",
    "registry.export",
    "visit.record",
    "visit.plan",
    "floating.manage",
    "care.manage",
}
REGISTRY_GRID = {"registry.export", "visit.record", "floating.manage", "care.manage"}
EXPECTED = {
    Role.STREET_ADMIN: {
        "area.view",
        "stats.view",
        "resident.view",
        "resident.unmask_id_number",
        "resident.unmask_phone",
        "problem.urge",
        "task.approve",
        "problem.catalogue",  # the category catalogue (issue 3: an editable catalogue)
    }
    | PROBLEM_STAFF
    | TASK_STAFF
    | REGISTRY_STAFF,
    Role.COMMUNITY_SECRETARY: {
        "area.view",
        "stats.view",
        "resident.view",
        "resident.unmask_id_number",
        "resident.unmask_phone",
        "problem.urge",
    }
    | PROBLEM_STAFF
    | TASK_STAFF
    | REGISTRY_STAFF,
    Role.COMMUNITY_STAFF: {"area.view", "stats.view", "resident.view", "resident.unmask_phone"}
    | PROBLEM_STAFF
    | TASK_STAFF
    | REGISTRY_STAFF,
    Role.GRID_WORKER: {
        "area.view",
        "stats.view",
        "resident.view",
        "resident.unmask_phone",
        "problem.view",
        "problem.report",
        "problem.handle",
        "task.view",
        "task.accept",
        "resource.view",
    }
    | REGISTRY_GRID,
    Role.BUILDING_HEAD: {"area.view", "resident.view", "problem.report"},
    Role.RESIDENT: {"resident.view", "problem.report", "task.claim"},
    Role.PARTNER_UNIT: {"area.view", "task.claim"},
    Role.AUDITOR: {"area.view", "audit.view", "points.view"},
}


def test_every_role_has_exactly_the_documented_permissions():
    assert set(GRANTS) == set(Role.values)
    for role, permissions in EXPECTED.items():
        assert {str(p) for p in GRANTS[role]} == permissions, role


def test_only_the_auditor_reads_the_audit_log():
    assert [r for r, ps in GRANTS.items() if Permission.AUDIT_VIEW in ps] == [Role.AUDITOR]
