"""An item taken off the shelf between the order's reads and its writes (staff pressing
下架 as a resident presses 兑换) was refused as "库存不足：大米 5kg剩余 10 件", a shortage
the buyer could see was not there. It is refused as withdrawn, and nothing is taken."""

import pytest

from shequ.points import services
from shequ.points.models import Account, Order
from shequ.points.services import Refused
from shequ.points.tests.helpers import fund, item

pytestmark = pytest.mark.django_db


def test_an_item_withdrawn_as_the_order_is_written_is_refused_as_withdrawn(world, monkeypatch):
    fund(world, world.resident_wang, 200)
    rice = item(world, price=30)  # 10 on the shelf
    for place in (services._SqlitePlace, services._PostgresPlace):

        def withdrawn_first(self, run=place.run):
            services.set_item_active(world.secretary_zhang, rice.pk, False)
            return run(self)

        monkeypatch.setattr(place, "run", withdrawn_first)
    with pytest.raises(Refused) as exc:
        services.redeem(world.resident_wang, services.OrderInput(item=rice.pk, quantity=1, price=30))
    assert exc.value.code == "withdrawn"
    assert exc.value.fields == {"item": f"{rice.name}已下架，不能兑换"}
    assert not Order.objects.filter(item=rice).exists()
    assert Account.objects.get(user=world.resident_wang).balance == 200
