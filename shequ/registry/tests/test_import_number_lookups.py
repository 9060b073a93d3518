"""A check compares every ID number of the file with the registry. A row whose number is
registered but is not taken as the row's person (under another name, or outside the
community) tells the uploader that someone holds that number: a lookup by a complete
number, audited and counted against SHEQU_NUMBER_SEARCH_PER_HOUR like the search box.
Re-imports under the registered names and new residents are not counted."""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from shequ.access.models import AuditEvent
from shequ.people import idcard
from shequ.people.models import Resident
from shequ.registry import importing, services
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import rows_for, save
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "楼栋", "门牌号"]


def candidates(number: str) -> list[str]:
    """Every number a masked form (first 3, last 4) and the birth year leave, as the attack
    makes them: the birthplace and sequence kept, each day of the year with the same check
    digit. The registered number is one of them."""
    body, year = number[:6], int(number[6:10])
    out = []
    day = date(year, 1, 1)
    while day.year == year:
        first17 = f"{body}{day:%Y%m%d}{number[14:17]}"
        if idcard.check_char(first17) == number[17]:
            out.append(first17 + number[17])
        day += timedelta(days=1)
    return out


def run_check(actor: Any, world: Any, path: Any, capture: Any, community: str = "A1") -> ImportRun:
    with open(path, "rb") as fh:
        run = services.start_import(
            actor, world.areas[community].code, SimpleUploadedFile(path.name, fh.read())
        )
    with capture(execute=True):
        services.set_mapping(actor, run.pk, run.mapping)
    return ImportRun.objects.get(pk=run.pk)


def searches(user: Any) -> Any:
    return AuditEvent.objects.filter(event="resident.number_search", actor_id=user.pk)


def test_guessed_numbers_under_made_up_names_reveal_the_number_only_as_a_counted_lookup(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """The masked number and the birth year of a resident on the list leave ~30 numbers
    that pass the check digit. A file of them, each under a made-up name, showed the one
    registered as that resident with 姓名 changed: the full number, unaudited."""
    staff = world.user("community_staff@A1")
    target = world.residents["A1-1-h1-r1"]
    number = world.full_values[target.pk][0]
    guesses = candidates(number)
    assert number in guesses and len(guesses) > 20
    building = world.areas["A1-1-b"].name
    rows = [[f"某{i}", guess, building, f"9{i:02d}"] for i, guess in enumerate(guesses)]
    path = save(tmp_path / "guesses.xlsx", {"居民": [HEADERS, *rows]})
    before = Resident.objects.filter(pk=target.pk).values().get()

    run = run_check(staff, world, path, django_capture_on_commit_callbacks)

    shown = client_for(staff).get(f"/api/v1/registry/imports/{run.pk}").json()
    hit = guesses.index(number) + 2  # Excel's row number: the header is row 1
    # The registered number's row is refused on its name, naming nobody; it is the only row
    # that is not new, and it was counted as a lookup by a complete number.
    assert shown["errors"] == [["居民", hit, "姓名", f"某{hit - 2}", importing.NAME_DIFFERS]]
    assert shown["changes"] == []
    assert shown["summary"]["new"] == len(guesses) - 1 and shown["summary"]["changed"] == 0
    assert shown["status"] == "refused" and target.name not in str(shown)
    lookups = searches(staff)
    assert lookups.count() == 1
    event = lookups.get()
    assert (event.object_type, event.object_id, event.area_path) == ("importrun", str(run.pk), run.area_path)
    assert number not in str(event.detail) and number not in str(shown)
    assert Resident.objects.filter(pk=target.pk).values().get() == before


def test_past_the_hours_allowance_the_check_stops_and_shows_no_row(
    world, tmp_path, django_capture_on_commit_callbacks
):
    staff = world.user("community_staff@A1")
    building = world.areas["A1-1-b"].name
    registered = [world.residents[f"A1-{g}-h{h}-r1"] for g in (1, 2) for h in (1, 2)]
    wrong = [["某人", world.full_values[r.pk][0], building, "901"] for r in registered[:3]]
    new = [row[:2] + [building, "902"] for row in rows_for(world, 2, start=47_000)]
    path = save(tmp_path / "three.xlsx", {"居民": [HEADERS, *new, *wrong]})
    residents = Resident.objects.count()
    with override_settings(NUMBER_SEARCH_PER_HOUR=3):
        client_for(staff).get("/api/v1/residents/", {"q": world.full_values[registered[3].pk][0]})
        assert searches(staff).count() == 1  # 2 of the hour's 3 left: not enough for the file's 3

        run = run_check(staff, world, path, django_capture_on_commit_callbacks)

        shown = client_for(staff).get(f"/api/v1/registry/imports/{run.pk}").json()
        assert shown["status"] == "failed"
        assert shown["message"] == (
            "检查已停止，没有导入任何数据：文件中有 3 行的身份证号已登记，"
            "但姓名与登记的不一致或登记在本社区以外。"
            "每行算一次按完整身份证号查找，每人每小时最多3次，您本小时只剩 2 次；"
            "姓名与登记一致的行和新登记的居民不计次数。请核对这些行的姓名和所选的社区，一小时后重新上传"
        )
        assert (shown["errors"], shown["error_count"], shown["changes"], shown["summary"]) == ([], 0, [], {})
        assert not run.errors_file and not run.checked_plan
        assert Resident.objects.count() == residents
        # The lookups were made and the refusal says that more of them found someone than
        # the hour had left: they are counted, so a refusal cannot be asked for again free.
        assert searches(staff).filter(object_id=str(run.pk)).count() == 3

        # With the hour spent, no file is checked, whatever it holds (else whether it is
        # refused would tell whether it holds a registered number): said at once (429),
        # the upload kept for later.
        only_new = save(tmp_path / "new.xlsx", {"居民": [HEADERS, *new]})
        with open(only_new, "rb") as fh:
            upload = SimpleUploadedFile(only_new.name, fh.read())
        later = services.start_import(staff, world.areas["A1"].code, upload)
        r = client_for(staff).post(
            f"/api/v1/registry/imports/{later.pk}/mapping",
            json.dumps({"mapping": later.mapping}),
            content_type="application/json",
        )
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        message = r.json()["message"]
        assert message.startswith("检查没有进行，没有导入任何数据：您本小时按完整身份证号查找的次数已用完")
        assert "姓名与登记一致的行和新登记的居民不计次数" in message and message.endswith("请一小时后再检查")
        later.refresh_from_db()
        assert later.status == "mapping" and later.stored_file
        assert searches(staff).count() == 4 and Resident.objects.count() == residents
    # Messages fit the run's message column.
    assert len(services.lookups_message(99_999, 59)) <= 300 and len(services.lookups_message(0, 0)) <= 300


def test_a_check_queued_before_the_hour_was_spent_is_not_made(
    world, tmp_path, django_capture_on_commit_callbacks
):
    staff = world.user("community_staff@A1")
    building = world.areas["A1-1-b"].name
    new = [row[:2] + [building, "903"] for row in rows_for(world, 2, start=47_100)]
    path = save(tmp_path / "new.xlsx", {"居民": [HEADERS, *new]})
    with open(path, "rb") as fh:
        run = services.start_import(staff, world.areas["A1"].code, SimpleUploadedFile(path.name, fh.read()))
    with override_settings(NUMBER_SEARCH_PER_HOUR=1):
        with django_capture_on_commit_callbacks() as queued:
            services.set_mapping(staff, run.pk, run.mapping)
        number = world.full_values[world.residents["A1-1-h1-r1"].pk][0]
        assert client_for(staff).get("/api/v1/residents/", {"q": number}).status_code == 200
        for job in queued:
            job()
    run.refresh_from_db()
    assert run.status == "failed" and run.summary == {} and run.errors == []
    assert run.message.startswith("检查没有进行，没有导入任何数据：您本小时按完整身份证号查找的次数已用完")
    assert run.message.endswith("请一小时后重新上传")  # a failed run keeps no upload


def test_a_reimport_under_the_registered_names_is_checked_and_not_counted(
    world, tmp_path, django_capture_on_commit_callbacks
):
    staff = world.user("community_staff@A1")
    first = [
        ["王　某", *row[1:]] if i == 0 else row for i, row in enumerate(rows_for(world, 3, start=48_000))
    ]
    full_headers = ["姓名", "身份证号", "性别", "联系电话", "与户主关系", "楼栋", "单元", "门牌号"]
    registered = save(tmp_path / "registered.xlsx", {"居民": [full_headers, *first]})
    result, _ = services.import_file(registered, world.areas["A1"].code, dry_run=False)
    assert result.summary()["new"] == 3 and Resident.objects.filter(name="王某").exists()
    again = [list(r) for r in first]
    again[0][0] = " 王 某 "  # spaces, as registers pad names: the same name
    again[1][3] = "13912345678"  # a new phone
    again[2][6] = "9"  # moved to another door of the building
    new = rows_for(world, 1, start=48_100)
    path = save(tmp_path / "again.xlsx", {"居民": [full_headers, *again, *new]})
    with override_settings(NUMBER_SEARCH_PER_HOUR=1):
        run = run_check(staff, world, path, django_capture_on_commit_callbacks)
    assert run.status == "checked", run.message
    assert {k: run.summary[k] for k in ("new", "changed", "moved", "unchanged")} == {
        "new": 1,
        "changed": 1,
        "moved": 1,
        "unchanged": 1,
    }
    assert [(c["action"], c["fields"]) for c in run.changes] == [
        ("changed", ["联系电话"]),
        ("moved", ["所在户"]),
    ]
    assert searches(staff).count() == 0
    check = AuditEvent.objects.get(event="registry.check", object_id=str(run.pk))
    assert check.detail["number_searches"] == 0


def test_a_number_registered_outside_the_community_is_a_counted_lookup(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """In another street, under its registered name: refused without saying where, and
    counted, as it tells that the number is registered somewhere."""
    secretary = world.secretary_zhang
    outsider = world.residents["B1-1-h1-r1"]
    number = world.full_values[outsider.pk][0]
    building = world.areas["A1-1-b"].name
    path = save(tmp_path / "elsewhere.xlsx", {"居民": [HEADERS, [outsider.name, number, building, "901"]]})

    run = run_check(secretary, world, path, django_capture_on_commit_callbacks)

    assert run.status == "refused"
    masked = number[:3] + "*" * 11 + number[-4:]
    assert run.errors == [["居民", 2, "身份证号", masked, importing.REGISTERED_ELSEWHERE]]
    event = searches(secretary).get()
    assert event.object_id == str(run.pk) and number not in str(event.detail)
    check = AuditEvent.objects.get(event="registry.check", object_id=str(run.pk))
    assert check.detail["registered_elsewhere"] == 1 and check.detail["number_searches"] == 1

    # Checked again within minutes: the same lookups, not counted twice.
    with open(path, "rb") as fh:
        rerun = services.start_import(
            secretary, world.areas["A1"].code, SimpleUploadedFile(path.name, fh.read())
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.set_mapping(secretary, rerun.pk, rerun.mapping)
    assert ImportRun.objects.get(pk=rerun.pk).status == "refused"
    assert searches(secretary).count() == 1


def test_guessed_numbers_under_the_residents_own_name_are_counted_lookups_too(
    world, tmp_path, django_capture_on_commit_callbacks
):
    """Under the name the list shows, the registered number's row was unchanged and every
    other guess new: the summary (or halves of the guesses, file after file) named the
    number, and nothing was counted. Each guess at a registered resident of the community
    is counted now, as each would be in the search box."""
    staff = world.user("community_staff@A1")
    target = world.residents["A1-1-h1-r1"]
    number = world.full_values[target.pk][0]
    guesses = candidates(number)
    building = world.areas["A1-1-b"].name
    rows = [[target.name, guess, building, target.household.address] for guess in guesses]

    run = run_check(
        staff,
        world,
        save(tmp_path / "own.xlsx", {"居民": [HEADERS, *rows]}),
        django_capture_on_commit_callbacks,
    )

    assert run.status == "checked" and (run.summary["unchanged"], run.summary["new"]) == (1, len(guesses) - 1)
    assert searches(staff).filter(object_id=str(run.pk)).count() == len(guesses) - 1
    # Past the allowance (6 left), no summary either: ten guesses at another resident.
    other = world.residents["A1-1-h2-r1"]
    other_number = world.full_values[other.pk][0]
    ten = [
        [other.name, guess, building, other.household.address]
        for guess in candidates(other_number)
        if guess != other_number
    ][:10]
    with override_settings(NUMBER_SEARCH_PER_HOUR=len(guesses) + 5):
        refused = run_check(
            staff,
            world,
            save(tmp_path / "ten.xlsx", {"居民": [HEADERS, *ten]}),
            django_capture_on_commit_callbacks,
        )
    assert refused.status == "failed" and refused.summary == {}
    # A new resident who only shares a name with someone registered is not counted.
    namesake = [[target.name, rows_for(world, 1, start=49_000)[0][1], building, "904"]]
    with override_settings(NUMBER_SEARCH_PER_HOUR=1000):
        fine = run_check(
            staff,
            world,
            save(tmp_path / "namesake.xlsx", {"居民": [HEADERS, *namesake]}),
            django_capture_on_commit_callbacks,
        )
    assert fine.status == "checked" and fine.summary["new"] == 1
    assert not searches(staff).filter(object_id=str(fine.pk)).exists()
