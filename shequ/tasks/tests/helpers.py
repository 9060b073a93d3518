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
