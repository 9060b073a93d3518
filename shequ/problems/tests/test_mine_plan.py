"""我的问题 reads only the viewer's own problems: what they reported, follow, or had
reported for them (代报), through each set's own index, never the whole problem table."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.core.pagination import CappedPaginator
from shequ.problems import selectors
from shequ.problems.models import Problem, Source
from shequ.problems.tests.helpers import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder(world):
    """A resident with a login made after a 代报 for them, who then reported one problem
    and follows another (a neighbour's)."""
    from shequ.access.roles import Role
    from shequ.access.services import add_user

    resident = world.residents["A1-1-h2-r2"]
    for_them = report(world, world.grid_worker_li, source=Source.ON_BEHALF, on_behalf_of=resident.pk)
    login = add_user(
        "elder-login",
        "x",
        role=Role.RESIDENT,
        area_code=world.households["A1-1-h2"].code,
        resident=resident,
        check_password=False,
    )
    own = report(world, login, category="garbage", description="单元门口垃圾桶满溢")
    followed = report(world, world.resident_wang, description="路灯不亮")
    followed.followers.add(login)
    report(world, world.resident_wang, description="别人的问题，与他无关")
    login.expected = [followed.pk, own.pk, for_them.pk]  # type: ignore[attr-defined]  # newest first
    return login


def test_my_problems_are_those_reported_followed_and_reported_for_them(world, elder):
    """The same rows, in the same order, as the OR over the followers' join gave."""
    before = (
        Problem.objects.filter(
            pk__in=Problem.objects.filter(
                Q(reporter=elder) | Q(followers=elder) | Q(on_behalf_of_id=elder.resident_id)
            ).values("pk")
        )
        .order_by("-reported_at", "-id")
        .values_list("pk", flat=True)
    )
    mine = list(selectors.my_problems(elder).values_list("pk", flat=True))
    assert mine == elder.expected == list(before)

    client = Client()
    client.force_login(elder)
    body = client.get("/api/v1/problems/?mine=true").json()
    assert [p["id"] for p in body["items"]] == elder.expected and body["count"] == 3
    page = client.get("/problems/mine/").content.decode()
    assert all(f"/problems/{pk}/" in page for pk in elder.expected)


def test_my_problems_without_a_resident_are_those_reported_and_followed(world):
    li = world.grid_worker_li  # no resident record: no 代报 set in the union
    own = report(world, li, description="巡查发现井盖缺失")
    followed = report(world, world.resident_wang, description="路灯不亮")
    followed.followers.add(li)
    report(world, world.resident_wang, description="别人的问题")
    assert list(selectors.my_problems(li).values_list("pk", flat=True)) == [followed.pk, own.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="no PostgreSQL server to check its plan against")
def test_my_problems_page_and_count_read_no_whole_table(world, elder):
    """The page and its capped count each searched every problem for the viewer's
    followers (SCAN problems_problem: 839 ms at 931,203 problems); each now takes the ids
    from the reporter, follower and 代报 indexes and reads those rows by id."""
    with CaptureQueriesContext(connection) as queries:
        page = CappedPaginator(selectors.my_problems(elder), 20).get_page(1)
        assert [p.pk for p in page] == elder.expected and page.paginator.count == 3
    read = [q["sql"] for q in queries.captured_queries if "problems_problem" in q["sql"]]
    assert len(read) == 2, read
    for sql in read:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            details = [str(row[3]) for row in cursor.fetchall()]
        # The count wraps the page in a subquery Django names "subquery", read once.
        scans = [d for d in details if d.startswith("SCAN") and d != "SCAN subquery"]
        assert not scans, details
