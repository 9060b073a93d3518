"""The street's auditor sees who opened and who stopped the accounts of its staff."""

import pytest

from shequ.access.selectors import audit_events
from shequ.access.services import add_user, deactivate_user

pytestmark = pytest.mark.django_db


def test_the_auditor_sees_a_staff_account_added_and_stopped_in_the_street(world):
    """A community worker's account made and later stopped was written to the audit log
    with no place, so no auditor ever saw either row: only the role it was granted."""
    community = world.areas["A1"]
    user = add_user(
        "audit-newcomer",
        "Xy-very-long-pass-2026",
        role="community_staff",
        area_code=community.code,
        actor=world.street_chen,
    )
    deactivate_user(user, actor=world.street_chen)

    seen, _ = audit_events(world.users["auditor@A"], actor=world.street_chen.username)
    events = set(seen.filter(object_type="user", object_id=str(user.pk)).values_list("event", flat=True))
    assert events == {"access.user_add", "access.assign", "access.deactivate"}
    # Filed at the community, so the other street's auditor does not see them.
    other, _ = audit_events(world.users["auditor@B"], actor=world.street_chen.username)
    assert not other.filter(object_type="user", object_id=str(user.pk)).exists()
