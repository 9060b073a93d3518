"""A file is checked, then confirmed, maybe much later: what the user confirmed is the
check's result. If someone else changed the same residents meanwhile, the confirmation
writes nothing and the run is shown checked again, saying who changed and what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.access.models import AuditEvent
from shequ.people.models import Resident
from shequ.registry import importing, services
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import HEADERS, rows_for, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(world, tmp_path):
    """Three residents registered in A1, 王某 first; returns their rows as in the file."""
    rows = rows_for(world, 3, start=43_000)
    rows[0][0] = "王某"
    path = save(tmp_path / "registered.xlsx", {"居民": [HEADERS, *rows]})
    result, _ = services.import_file(path, world.areas["A1"].code, dry_run=False)
    assert result.summary()["new"] == 3
    return rows


def checked(actor, world, path, capture):
    with open(path, "rb") as fh:
        run = services.start_import(actor, world.areas["A1"].code, SimpleUploadedFile(path.name, fh.read()))
    with capture(execute=True):
        services.set_mapping(actor, run.pk, run.mapping)
    run.refresh_from_db()
    assert run.status == "checked", run.message
    return run


def confirmed(actor, run, capture):
    with capture(execute=True):
        services.confirm_import(actor, run.pk)
    return ImportRun.objects.get(pk=run.pk)


def imports_of(run):
    return AuditEvent.objects.filter(event="registry.import", object_id=str(run.pk)).count()


def test_a_newer_import_between_the_check_and_the_confirmation_is_not_undone(
    world, tmp_path, register, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    wang = Resident.objects.get(name="王某")
    # A checks the register as it is: nothing to change.
    a_run = checked(
        world.secretary_zhang, world, save(tmp_path / "a.xlsx", {"居民": [HEADERS, *register]}), capture
    )
    assert (a_run.summary["unchanged"], a_run.summary["changed"]) == (3, 0)

    # B imports 王某's new phone and confirms.
    newer = [list(r) for r in register]
    newer[0][3] = "13912345678"
    b_run = checked(world.street_chen, world, save(tmp_path / "b.xlsx", {"居民": [HEADERS, *newer]}), capture)
    assert confirmed(world.street_chen, b_run, capture).status == "done"
    wang.refresh_from_db()
    b_phone = (wang.phone_hash, wang.phone_masked, wang.updated_at)
    assert wang.phone_masked == "139****5678"

    # A confirms from the page of the older check: nothing is written, the run is checked
    # again (the file and the mapping stay) and says why.
    client = Client()
    client.force_login(world.secretary_zhang)
    with capture(execute=True):
        r = client.post(f"/registry/import/{a_run.pk}/confirm/")
    assert r.status_code == 302
    wang.refresh_from_db()
    assert (wang.phone_hash, wang.phone_masked, wang.updated_at) == b_phone
    a_run.refresh_from_db()
    assert imports_of(a_run) == 0
    assert a_run.status == "checked" and a_run.stored_file and a_run.checked_again
    expected = "检查之后，名册中有 1 位居民已被他人修改（如 王某 的联系电话），已按现在的名册重新检查"
    assert a_run.message.startswith(expected)
    assert "139" not in a_run.message and "5678" not in a_run.message  # no value, not even masked
    # The new check's result is what the page shows: confirming now would change the phone.
    assert (a_run.summary["unchanged"], a_run.summary["changed"]) == (2, 1)
    assert a_run.changes == [
        {"name": "王某", "id_number": wang.id_number_masked, "action": "changed", "fields": ["联系电话"]}
    ]
    page = client.get(f"/registry/import/{a_run.pk}/").content.decode()
    assert f'<p class="error" role="alert">{expected}' in page and "确认导入" in page
    api = client.get(f"/api/v1/registry/imports/{a_run.pk}").json()
    assert api["status"] == "checked" and api["message"].startswith(expected)

    # Checked again with one click (the same mapping), then confirmed: it imports.
    fields = {f"col_{i}": a_run.mapping.get(h, "") for i, h in enumerate(a_run.headers)}
    with capture(execute=True):
        assert client.post(f"/registry/import/{a_run.pk}/", fields).status_code == 302
    a_run.refresh_from_db()
    assert a_run.status == "checked" and not a_run.checked_again and a_run.summary["changed"] == 1
    with capture(execute=True):
        r = client.post(f"/api/v1/registry/imports/{a_run.pk}/confirm", content_type="application/json")
    assert r.status_code == 200
    a_run.refresh_from_db()
    assert a_run.status == "done" and imports_of(a_run) == 1
    wang.refresh_from_db()
    assert wang.phone_masked == register[0][3][:3] + "****" + register[0][3][-4:]


def test_a_resident_moved_since_the_check_is_not_moved_back(
    world, tmp_path, register, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    a_run = checked(
        world.secretary_zhang, world, save(tmp_path / "a.xlsx", {"居民": [HEADERS, *register]}), capture
    )
    moved = [list(register[0])]
    moved[0][7] = "909"
    services.import_file(
        save(tmp_path / "b.xlsx", {"居民": [HEADERS, *moved]}), world.areas["A1"].code, dry_run=False
    )
    household = Resident.objects.get(name="王某").household_id

    a_run = confirmed(world.secretary_zhang, a_run, capture)
    assert a_run.status == "checked" and imports_of(a_run) == 0
    assert "（如 王某 的所在户）" in a_run.message and a_run.summary["moved"] == 1
    assert Resident.objects.get(name="王某").household_id == household


def test_changes_the_file_does_not_touch_do_not_stop_the_import(
    world, tmp_path, register, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # A's file has no phone column, and changes one relation.
    head = [h for h in HEADERS if h != "联系电话"]
    rows = [[c for i, c in enumerate(r) if i != 3] for r in register]
    rows[1][3] = "配偶"
    a_run = checked(world.secretary_zhang, world, save(tmp_path / "a.xlsx", {"居民": [head, *rows]}), capture)
    assert a_run.summary["changed"] == 1

    # Meanwhile B changes 王某's phone (a column A's file does not have) and a resident
    # elsewhere in the registry.
    other = world.residents["A1-1-h1-r1"]
    full_id = world.full_values[other.pk][0]
    b_rows = [list(register[0]), [other.name, full_id, "", "13800000001", "", other.area.name, "", ""]]
    b_rows[0][3] = "13912345678"
    b_rows[1][5:8] = rows_for(world, 1, start=43_010)[0][5:8]
    b_rows[1][2] = other.get_gender_display()
    result, _ = services.import_file(
        save(tmp_path / "b.xlsx", {"居民": [HEADERS, *b_rows]}), world.areas["A1"].code, dry_run=False
    )
    assert result.errors == [] and result.summary()["changed"] + result.summary()["moved"] == 2

    a_run = confirmed(world.secretary_zhang, a_run, capture)
    assert a_run.status == "done" and a_run.message == "导入完成" and a_run.checked_plan is None
    assert Resident.objects.get(name="王某").phone_masked == "139****5678"  # B's phone stays
    assert Resident.objects.get(name=register[1][0]).relation == "spouse"


def test_a_change_committed_while_the_confirmed_file_is_planned_writes_nothing(
    world, tmp_path, register, django_capture_on_commit_callbacks, monkeypatch
):
    capture = django_capture_on_commit_callbacks
    changed = [list(r) for r in register]
    changed[0][4] = "配偶"
    a_run = checked(
        world.secretary_zhang, world, save(tmp_path / "a.xlsx", {"居民": [HEADERS, *changed]}), capture
    )
    newer = [list(register[0])]
    newer[0][3] = "13912345678"
    b_file = save(tmp_path / "b.xlsx", {"居民": [HEADERS, *newer]})

    plan = importing.plan

    def plan_then_b_commits(*args, **kwargs):
        result = plan(*args, **kwargs)
        monkeypatch.setattr(importing, "plan", plan)  # once: A's confirmed run read the registry,
        services.import_file(b_file, world.areas["A1"].code, dry_run=False)  # and B commits now
        return result

    monkeypatch.setattr(importing, "plan", plan_then_b_commits)
    a_run = confirmed(world.secretary_zhang, a_run, capture)
    assert a_run.status == "checked" and imports_of(a_run) == 0
    assert "（如 王某 的联系电话）" in a_run.message
    wang = Resident.objects.get(name="王某")
    assert wang.phone_masked == "139****5678" and wang.relation == "head"
    assert a_run.changes[0]["fields"] == ["联系电话", "与户主关系"]


def test_a_check_leaves_its_comparison_of_numbers_in_the_audit_log(
    world, tmp_path, register, django_capture_on_commit_callbacks
):
    """A check wrote nothing and left no trace, yet it tells which ID numbers of the file
    are registered, here or in another street: a file of guessed numbers tested them."""
    rows = register
    outsider = world.residents["B1-1-h1-r1"]
    guess = [*rows[0]]
    guess[0], guess[1], guess[2] = "候选", world.full_values[outsider.pk][0], ""
    path = save(tmp_path / "guesses.xlsx", {"居民": [HEADERS, rows[1], guess]})
    with open(path, "rb") as fh:
        run = services.start_import(
            world.secretary_zhang, world.areas["A1"].code, SimpleUploadedFile(path.name, fh.read())
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.set_mapping(world.secretary_zhang, run.pk, run.mapping)
    event = AuditEvent.objects.filter(event="registry.check", object_id=str(run.pk)).get()
    assert event.actor_id == world.secretary_zhang.pk
    assert event.detail["registered_elsewhere"] == 1 and event.detail["unchanged"] == 1
