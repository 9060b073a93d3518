from shequ.access.roles import GRANTS, Permission, Role

# The policy as the issue states it, written out once more so that a change to the
# declared grants has to change this table too.
EXPECTED = {
    Role.STREET_ADMIN: {
        "area.view",
        "stats.view",
        "resident.view",
        "resident.unmask_id_number",
        "resident.unmask_phone",
    },
    Role.COMMUNITY_SECRETARY: {
        "area.view",
        "stats.view",
        "resident.view",
        "resident.unmask_id_number",
        "resident.unmask_phone",
    },
    Role.COMMUNITY_STAFF: {"area.view", "stats.view", "resident.view", "resident.unmask_phone"},
    Role.GRID_WORKER: {"area.view", "stats.view", "resident.view", "resident.unmask_phone"},
    Role.BUILDING_HEAD: {"area.view", "resident.view"},
    Role.RESIDENT: {"resident.view"},
    Role.PARTNER_UNIT: {"area.view"},
    Role.AUDITOR: {"area.view", "audit.view"},
}


def test_every_role_has_exactly_the_documented_permissions():
    assert set(GRANTS) == set(Role.values)
    for role, permissions in EXPECTED.items():
        assert {str(p) for p in GRANTS[role]} == permissions, role


def test_only_the_auditor_reads_the_audit_log():
    assert [r for r, ps in GRANTS.items() if Permission.AUDIT_VIEW in ps] == [Role.AUDITOR]
