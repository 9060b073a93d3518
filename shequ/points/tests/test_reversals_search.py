"""冲正 lists a community's awards, service points and opening balances newest first, 30 a
page, and the pager counts to 10,000: a street's older records could not be reached at
all, and a recent one was found only by paging. The page (like 积分账户) now takes a name
or what the record was for, and a reversal made from a search comes back to it."""

import pytest

from shequ.points import services
from shequ.points.models import Transaction
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_staff_find_the_record_to_reverse_by_name_or_what_it_was_for(world):
    wang, li = world.resident_wang, world.users["resident@A1-2-h1"]
    services.opening_balance(world.secretary_zhang, wang, 30, "纸质台账结转")
    services.opening_balance(world.secretary_zhang, li, 40, "旧系统结转")
    wang_name, li_name = wang.resident.name, li.resident.name
    staff = client_for(world.secretary_zhang)
    page = staff.get("/points/reversals/", {"q": li_name}).content.decode()
    assert li_name in page and wang_name not in page
    page = staff.get("/points/reversals/", {"q": "纸质台账"}).content.decode()
    assert wang_name in page and li_name not in page
    assert 'name="q"' in page and 'value="纸质台账"' in page
    txn = Transaction.objects.get(memo="纸质台账结转")
    r = staff.post("/points/reversals/?q=纸质台账", {"transaction": txn.pk, "reason": "录错了人"})
    assert r.status_code == 302 and "q=" in r["Location"]
    assert Transaction.objects.filter(reverses=txn).exists()
