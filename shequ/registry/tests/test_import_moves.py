"""A resident moved to another household by a re-import takes along what is kept at their
home: their open task claims, and their login's household (also when it already held the
new one)."""

import pytest
from django.test import Client

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


def test_a_row_under_another_name_changes_no_one(world, tmp_path):
    """A typo in an ID number moved, or renamed, whoever held the mistyped number; a name
    is corrected on the resident's page (people/tests/test_name_correction.py)."""
    from shequ.access.models import User
    from shequ.people.models import Resident
    from shequ.registry.importing import NAME_DIFFERS

    wang = world.resident_wang
    resident = wang.resident
    number = world.full_values[resident.pk][0]
    row = ["欧阳修正", number, world.areas["A1-2-b"].name, "8单元808"]
    path = save(tmp_path / "fix.xlsx", {"S": [HEAD, row]})
    before = Resident.objects.filter(pk=resident.pk).values().get()
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert [e.as_list() for e in result.errors] == [["S", 2, "姓名", "欧阳修正", NAME_DIFFERS]]
    assert Resident.objects.filter(pk=resident.pk).values().get() == before
    assert User.objects.get(pk=wang.pk).display_name != "欧阳修正"


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


def test_the_check_says_where_a_moved_resident_moves_from_and_to(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """The change summary said 换户；所在户 and no more: a register writing its doors another
    way (1-101 for 1单元101) moved every resident into a new household, and nothing on the
    page let the staff see that before they confirmed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    resident = world.residents["A1-1-h1-r1"]
    number = world.full_values[resident.pk][0]
    building = world.areas["A1-1-b"].name
    path = save(tmp_path / "move.xlsx", {"S": [HEAD, [resident.name, number, building, "1-101"]]})
    zhang = world.secretary_zhang
    run = services.start_import(
        zhang, world.areas["A1"].code, SimpleUploadedFile(path.name, path.read_bytes())
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.set_mapping(zhang, run.pk, run.mapping)
    run.refresh_from_db()

    assert run.status == "checked" and run.summary["moved"] == 1
    (change,) = run.changes
    assert (change["moved_from"], change["moved_to"]) == (f"{building} 1单元101", f"{building} 1-101")
    client = Client()
    client.force_login(zhang)
    page = client.get(f"/registry/import/{run.pk}/").content.decode()
    assert f"换户（{building} 1单元101 → {building} 1-101）" in page
