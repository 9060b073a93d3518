import gc

import pytest

from shequ.core.bulk import cyclic_gc_paused


def test_the_collector_is_off_inside_and_back_on_after_also_after_an_error():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_a_collector_already_off_is_left_off():
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_unsaved_equals_the_keyword_constructor_field_by_field():
    from shequ.core.bulk import unsaved
    from shequ.people.models import Household, Resident

    household = Household(pk=7, code="H1", area_path="/1/2/", address="1单元101", building_id=3)
    values = {"name": "王五", "gender": "M", "id_number_hash": "abc", "area_id": 3, "area_path": "/1/2/H1/"}
    fast = unsaved(Resident, household_id=7, **values)
    slow = Resident(household=household, **values)
    for field in Resident._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(slow, field.attname), field.attname
    assert fast.residence_type == "registered" and fast.pk is None and fast._state.adding


def test_unsaved_refuses_an_unknown_field():
    from shequ.core.bulk import unsaved
    from shequ.people.models import Resident

    with pytest.raises(TypeError, match="household"):
        unsaved(Resident, name="王五", household=None)


def test_unsaved_computes_a_callable_default_for_each_row():
    from shequ.access.models import AuditEvent
    from shequ.core.bulk import unsaved

    first, second = unsaved(AuditEvent, event="x"), unsaved(AuditEvent, event="y")
    assert first.detail == {} and second.detail == {}
    first.detail["count"] = 1
    assert second.detail == {}  # not one dict shared by every row
    assert first.event == "x" and first._state.adding and first._state.db is None


def test_unsaved_runs_init_receivers_through_the_constructor():
    from django.db.models.signals import post_init

    from shequ.core.bulk import unsaved
    from shequ.people.models import Resident

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.name)

    post_init.connect(receiver, sender=Resident)
    try:
        resident = unsaved(Resident, name="赵六", household_id=3)
    finally:
        post_init.disconnect(receiver, sender=Resident)
    assert seen == ["赵六"] and resident.household_id == 3
