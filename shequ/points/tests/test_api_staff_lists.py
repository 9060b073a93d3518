"""The staff lists of the points and the store answer someone who is not staff as their
pages do (403, said why), not with an empty list that reads as "nothing there"."""

import pytest

from shequ.points.tests.helpers import fund, item, redeem
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

STAFF_LISTS = [
    ("/api/v1/store/orders/?fulfil=true", "只有社区工作人员可以处理兑换订单"),
    ("/api/v1/store/items/?manage=true", "只有社区工作人员可以管理兑换目录"),
    ("/api/v1/store/windows/", "只有社区工作人员可以管理兑换期"),
    ("/api/v1/points/accounts", "只有社区工作人员可以查看积分账户"),
    ("/api/v1/points/service-records", "只有工作人员可以查看服务积分记录"),
]


def test_a_resident_asking_a_staff_list_is_told_it_is_for_staff(world):
    fund(world, world.resident_wang, 100)
    redeem(world.resident_wang, item(world))
    resident = client_for(world.resident_wang)
    for url, message in STAFF_LISTS:
        r = resident.get(url)
        assert (r.status_code, r.json()["code"], r.json()["message"]) == (403, "forbidden", message), url
    # Their own lists stay theirs.
    assert resident.get("/api/v1/store/orders/").json()["count"] == 1
    assert resident.get("/api/v1/store/items/").status_code == 200


def test_staff_still_read_the_staff_lists(world):
    fund(world, world.resident_wang, 100)
    redeem(world.resident_wang, item(world))
    staff = client_for(world.secretary_zhang)
    for url, _ in STAFF_LISTS:
        assert staff.get(url).status_code == 200, url
    assert staff.get("/api/v1/store/orders/?fulfil=true").json()["count"] >= 1


def test_the_task_lists_for_staff_answer_a_resident_as_their_pages_do(world):
    resident = client_for(world.resident_wang)
    for url, message in [
        ("/api/v1/claims/?queue=true", "只有网格员和社区工作人员可以验收任务"),
        ("/api/v1/monthly-lists/", "只有工作人员可以查看月度任务清单"),
        ("/api/v1/resources/units/", "只有工作人员可以查看资源清单"),
        ("/api/v1/resources/teams/", "只有工作人员可以查看资源清单"),
        ("/api/v1/resources/talents/", "只有工作人员可以查看资源清单"),
        ("/api/v1/resources/venues/", "只有工作人员可以查看资源清单"),
    ]:
        r = resident.get(url)
        assert (r.status_code, r.json().get("message")) == (403, message), url
        assert client_for(world.grid_worker_li).get(url).status_code == 200, url
    assert resident.get("/api/v1/claims/").status_code == 200  # their own claims
