import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.access.models import AuditEvent
from shequ.core import fieldcrypt
from shequ.people.models import Household, Resident
from shequ.registry import services
from shequ.registry.tests.helpers import HEADERS, rows_for, save

pytestmark = pytest.mark.django_db


def test_ten_thousand_rows_import_and_a_changed_reimport_gives_the_right_summary(world, tmp_path):
    community = world.areas["A1"]
    rows = rows_for(world, 10_000)
    path = save(tmp_path / "big.xlsx", {"居民": [HEADERS, *rows]})
    before = Resident.objects.under(community.path).count()

    result, _ = services.import_file(path, community.code, dry_run=False)

    assert result.errors == []
    assert result.summary()["new"] == 10_000
    assert Resident.objects.under(community.path).count() == before + 10_000
    # 2,500 doors, one of them (1单元101) already a household of the world: joined, not doubled.
    assert result.summary()["new_households"] == 2499
    sample = Resident.objects.get(id_number_hash=fieldcrypt.lookup_hash(rows[4][1], "id_number"))
    assert (sample.name, sample.household.address) == ("居民4", "1单元101")
    assert AuditEvent.objects.filter(event="registry.import", detail__new=10_000).exists()

    # Re-import: 3 now 配偶, 2 moved to another household, 1 new phone, the rest unchanged.
    changed = [list(r) for r in rows[:20]]
    for r in changed[:3]:
        r[4] = "配偶"
    changed[3][7] = "999"
    changed[4][7] = "999"
    changed[5][3] = "13900000005"
    extra = rows_for(world, 1, start=20_000)
    path2 = save(tmp_path / "again.xlsx", {"居民": [HEADERS, *changed, *extra]})
    households = Household.objects.count()

    again, _ = services.import_file(path2, community.code, dry_run=False)

    assert again.summary() == {
        "total": 21,
        "refused": 0,
        "new_households": 2,  # door 999 and the extra resident's door
        "new": 1,
        "changed": 4,
        "unchanged": 14,
        "moved": 2,
    }
    assert Household.objects.count() == households + 2
    spouse = Resident.objects.get(id_number_hash=fieldcrypt.lookup_hash(rows[0][1], "id_number"))
    assert (spouse.name, spouse.relation) == ("居民0", "spouse")
    moved = Resident.objects.get(id_number_hash=fieldcrypt.lookup_hash(rows[3][1], "id_number"))
    assert moved.household.address == "1单元999" and moved.area_path == moved.household.area_path
    phone = Resident.objects.get(id_number_hash=fieldcrypt.lookup_hash(rows[5][1], "id_number"))
    assert phone.phone_masked == "139****0005"
    assert {c["action"] for c in services._changes(again)} == {"changed", "moved"}


def test_cli_prints_a_summary_and_fails_when_a_row_is_refused(world, tmp_path, capsys):
    community = world.areas["A1"]
    good = rows_for(world, 3, start=30_000)
    bad = list(good[0])
    bad[5] = "不存在的楼"
    path = save(tmp_path / "cli.xlsx", {"居民": [HEADERS, *good, bad]})
    out = tmp_path / "errors.xlsx"
    before = Resident.objects.count()

    with pytest.raises(CommandError) as exc:
        call_command("import", "residents", str(path), "--community", community.code, "--errors", str(out))

    printed = capsys.readouterr().out
    assert "共 4 行：新增 3" in printed and "有误 1" in printed
    assert "居民 第5行 楼栋：楼栋“不存在的楼”在本社区不存在" in printed
    assert "1 行有误" in str(exc.value)
    assert out.exists() and Resident.objects.count() == before

    path = save(tmp_path / "cli-ok.xlsx", {"居民": [HEADERS, *good]})
    call_command("import", "residents", str(path), "--community", community.code, "--dry-run")
    assert "检查通过（未写入）" in capsys.readouterr().out
    assert Resident.objects.count() == before
    call_command("import", "residents", str(path), "--community", community.code)
    assert Resident.objects.count() == before + 3


def test_the_error_report_is_never_written_over_the_register(world, tmp_path):
    """`import residents 名册.xlsx --errors 名册.xlsx` (a path pasted twice) wrote the error
    report over the register itself: the community's only copy was gone."""
    community = world.areas["A1"]
    bad = list(rows_for(world, 1, start=40_000)[0])
    bad[5] = "不存在的楼"
    path = save(tmp_path / "名册.xlsx", {"居民": [HEADERS, bad]})
    kept = path.read_bytes()
    same = tmp_path / "." / "名册.xlsx"
    with pytest.raises(CommandError, match="--errors 不能是要导入的文件本身"):
        call_command("import", "residents", str(path), "--community", community.code, "--errors", str(same))
    assert path.read_bytes() == kept
