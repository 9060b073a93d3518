from shequ.points import services


def party_member(world, username="party-member-a1"):
    """A login for the world's party member A1-1-h2-r2 (a resident of household A1-1-h2)."""
    from shequ.access.services import add_user

    return add_user(
        username,
        "pass-2026-xyz",
        role="resident",
        area_code=world.households["A1-1-h2"].code,
        resident=world.residents["A1-1-h2-r2"],
        check_password=False,
    )


def fund(world, user, points=100):
    return services.opening_balance(world.secretary_zhang, user, points, "期初积分")


def item(world, name="大米 5kg", price=30, stock=10, limit=2, key="A1"):
    return services.create_item(
        world.secretary_zhang,
        services.ItemInput(
            name=name, price=price, stock=stock, per_person_limit=limit, area=world.areas[key].code
        ),
    )


def redeem(user, item_, quantity=1, key=""):
    order, _ = services.redeem(
        user, services.OrderInput(item=item_.pk, quantity=quantity, idempotency_key=key)
    )
    return order


def move(user, order, action, **kw):
    return services.transition_order(user, order.pk, services.OrderTransitionInput(action=action, **kw))


def window_set_back_then(actor, area_code, name, starts_on, ends_on):
    """A redemption window that has ended, set as staff set it at the time (on its first
    day): the service refuses a window that is already over."""
    from datetime import datetime, time
    from unittest import mock
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    at = datetime.combine(starts_on, time(9), tzinfo=ZoneInfo(settings.TIME_ZONE))
    with mock.patch.object(timezone, "now", lambda: at):
        return services.add_window(actor, area_code, name, starts_on, ends_on)
