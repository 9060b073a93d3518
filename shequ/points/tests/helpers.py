from shequ.points import services


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
