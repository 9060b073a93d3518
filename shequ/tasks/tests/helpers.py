from datetime import timedelta

from django.utils import timezone

from shequ.tasks import services


def make_task(world, actor=None, key="A1-1", publish=True, **kw):
    data = {
        "title": "更换楼道灯泡",
        "description": "3单元2楼楼道灯泡坏了，需要更换",
        "category": "replace_bulb",
        "difficulty": "easy",
        "places": 2,
        "deadline": timezone.now() + timedelta(days=7),
        "area": world.areas[key].code,
    }
    data.update(kw)
    task, _ = services.create_task(actor or world.secretary_zhang, services.TaskInput(**data))
    if publish:
        task = services.transition_task(actor or world.secretary_zhang, task.pk, "publish")
    return task


def act(user, claim, action, **kw):
    return services.transition_claim(user, claim.pk, services.ClaimActionInput(action=action, **kw))


def prove(user, claim, note="已更换，灯亮了"):
    from shequ.problems.tests.helpers import jpeg

    return act(user, claim, "submit", note=note, files=[jpeg()])


def unit_with_member(world, name="区供电所"):
    """A department of community A1 with the partner-unit login of A1 as its member."""
    unit = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(name=name, kind="department", area=world.areas["A1"].code),
    )
    partner = world.users["partner_unit@A1"]
    services.add_unit_member(world.secretary_zhang, unit.pk, partner)
    return unit, partner


def unit_task(world, unit, **kw):
    """A published task of community A1 targeted at ``unit``."""
    data = {
        "title": "配电箱检修",
        "category": "power_maintenance",
        "audience": "targeted",
        "target_units": [unit.pk],
    }
    return make_task(world, key="A1", **{**data, **kw})


def unit_task_accepted(world):
    """A unit task claimed by the unit's member, proved and accepted: (unit, member, task)."""
    unit, partner = unit_with_member(world)
    task = unit_task(world, unit)
    claim = prove(partner, services.claim_task(partner, task.pk))
    act(world.secretary_zhang, claim, "accept")
    return unit, partner, task
