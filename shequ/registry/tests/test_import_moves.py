"""A resident moved to another household by a re-import takes along what is kept at their
home: their open task claims, and their login's household (also when it already held the
new one)."""

import pytest

from shequ.access.models import RoleAssignment
from shequ.access.services import assign_role
from shequ.registry import services
from shequ.registry.tests.helpers import save
from shequ.tasks import selectors as task_selectors
from shequ.tasks import services as task_services
from shequ.tasks.tests.helpers import make_task, prove

pytestmark = pytest.mark.django_db

HEAD = ["姓名", "身份证号", "楼栋", "门牌号"]


def _move(world, tmp_path, resident, building_key, door):
    number = world.full_values[resident.pk][0]
    path = save(
        tmp_path / "move.xlsx", {"S": [HEAD, [resident.name, number, world.areas[building_key].name, door]]}
    )
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["moved"] == 1


def test_an_open_claim_follows_a_resident_who_moves_to_another_grid(world, tmp_path):
    """The proof went to the old grid's worker, and the new one could not open it."""
    wang = world.resident_wang
    claim = task_services.claim_task(wang, make_task(world, key="A1").pk)
    _move(world, tmp_path, wang.resident, "A1-2-b", "7单元701")
    prove(wang, claim)
    assert task_selectors.acceptance_queue(world.users["grid_worker@A1-2"]).filter(pk=claim.pk).exists()
    assert not task_selectors.acceptance_queue(world.grid_worker_li).filter(pk=claim.pk).exists()


def test_a_move_into_a_household_the_login_already_holds(world, tmp_path):
    """The import failed (a unique role row), and no later upload could get past it."""
    wang = world.resident_wang
    target = world.households["A1-2-h1"]
    assign_role(wang, "resident", target.code)
    _move(world, tmp_path, wang.resident, "A1-2-b", target.address)
    paths = list(RoleAssignment.objects.filter(user=wang, role="resident").values_list("path", flat=True))
    assert paths == [target.area_path]


def test_a_corrected_name_reaches_the_login_and_the_points_account(world, tmp_path):
    """Rankings, the 公示栏, the account search and delivery labels kept the old name."""
    from shequ.access.models import User
    from shequ.points.models import Account
    from shequ.points.tests.helpers import fund

    wang = world.resident_wang
    fund(world, wang, 5)
    resident = wang.resident
    User.objects.filter(pk=wang.pk).update(display_name=resident.name)
    Account.objects.filter(user=wang).update(name=resident.name)
    number = world.full_values[resident.pk][0]
    row = ["欧阳修正", number, world.areas["A1-1-b"].name, resident.household.address]
    path = save(tmp_path / "fix.xlsx", {"S": [HEAD, row]})
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.errors == [] and result.summary()["changed"] == 1
    assert User.objects.get(pk=wang.pk).display_name == "欧阳修正"
    assert Account.objects.get(user=wang).name == "欧阳修正"


def test_a_phone_correction_keeps_a_second_household_role(world, tmp_path):
    """Any re-import row of the resident deleted their login's other household role."""
    wang = world.resident_wang
    home, parents = world.households["A1-1-h1"], world.households["A1-2-h1"]
    assign_role(wang, "resident", parents.code)
    r = wang.resident
    head = [*HEAD, "联系电话"]
    row = [r.name, world.full_values[r.pk][0], world.areas["A1-1-b"].name, home.address, "13800138000"]
    result, _ = services.import_file(
        save(tmp_path / "fix.xlsx", {"S": [head, row]}), world.areas["A1"].code, dry_run=False
    )
    assert result.errors == [] and result.summary()["changed"] == 1
    paths = set(RoleAssignment.objects.filter(user=wang, role="resident").values_list("path", flat=True))
    assert paths == {home.area_path, parents.area_path}
