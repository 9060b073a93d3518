"""`shequ areas add / geometry / household / list`: building the tree below a community
on a fresh deployment, through the services."""

import json

import pytest
from django.core.management import CommandError, call_command

from shequ.access.models import AuditEvent
from shequ.areas import geo
from shequ.areas.models import Area
from shequ.people.models import Household

pytestmark = pytest.mark.django_db

RING = [[117.5, 36.5], [117.51, 36.5], [117.51, 36.51], [117.5, 36.51], [117.5, 36.5]]
POLYGON = {"type": "Polygon", "coordinates": [RING]}


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("areas", *args, stdout=out)
    return out.getvalue()


def test_add_grid_building_and_household_below_a_community(world):
    community = world.areas["A2"]
    # Given a community with no grid of its own code yet (the world's grids are 001, 002)
    printed = run("add", "--kind", "grid", "--parent", community.code, "--name", "第3网格")
    grid = Area.objects.get(name="第3网格", parent=community)
    assert grid.code == f"{community.code}003" and grid.path == f"{community.path}{grid.code}/"
    assert f"已新建网格“第3网格”，编码 {grid.code}" in printed
    assert AuditEvent.objects.filter(event="area.create", area_path=grid.path).exists()
    # A code typed by the operator is kept.
    run("add", f"{grid.code}009", "--kind", "building", "--parent", grid.code, "--name", "3号楼")
    building = Area.objects.get(code=f"{grid.code}009")
    assert building.kind == "building" and building.parent == grid
    printed = run("household", building.code, "--address", " 1单元101 ")
    household = Household.objects.get(building=building)
    assert household.code == f"{building.code}H0001" and household.address == "1单元101"
    assert f"已登记户 {household.code}：3号楼 1单元101" in printed


def test_add_refuses_with_the_services_chinese_message(world):
    street = world.areas["A"]
    with pytest.raises(CommandError, match="网格不能放在街道之下"):
        run("add", "--kind", "grid", "--parent", street.code, "--name", "错放的网格")
    with pytest.raises(CommandError, match="上级区域编码 999 不存在"):
        run("add", "--kind", "grid", "--parent", "999", "--name", "无主网格")
    taken = world.areas["A1-1"].code
    with pytest.raises(CommandError, match=f"编码 {taken} 已存在"):
        run("add", taken, "--kind", "grid", "--parent", world.areas["A1"].code, "--name", "重复")


def test_a_typed_code_must_begin_with_its_parents_code(world):
    """`areas add 150784001013005 --parent 150784001012` made a grid of 平安社区 whose code
    read as 广安社区's, and took the serial that `areas add` would next give 广安社区."""
    community, other = world.areas["A1"], world.areas["A2"]
    stray = f"{other.code}005"
    with pytest.raises(CommandError) as refused:
        run("add", stray, "--kind", "grid", "--parent", community.code, "--name", "错号网格")
    message = str(refused.value)
    assert f"编码 {stray} 应以上级{community.name}的编码 {community.code} 开头" in message
    assert f"不填编码则自动取 {community.code}003" in message
    assert not Area.objects.filter(code=stray).exists()
    with pytest.raises(CommandError, match="开头"):
        run("add", "999999", "--kind", "grid", "--parent", community.code, "--name", "错号网格")
    assert not Area.objects.filter(name="错号网格").exists()


def test_a_name_or_door_longer_than_its_column_is_named_not_crashed_on(world):
    """`areas add --name` over 100 characters and `areas household --address` over 100 were
    written to SQLite as typed and crashed on PostgreSQL (a DataError traceback), where a
    rename in /admin/ of the same length is refused naming the limit."""
    community = world.areas["A2"]
    with pytest.raises(CommandError, match="名称不能超过 100 个字"):
        run("add", "--kind", "grid", "--parent", community.code, "--name", "网" * 101)
    assert not Area.objects.filter(parent=community, name="网" * 101).exists()
    building = world.areas["A1-1-b"]
    with pytest.raises(CommandError, match="门牌不能超过 100 个字"):
        run("household", building.code, "--address", "1" * 101)
    assert not Household.objects.filter(building=building, address="1" * 101).exists()


def test_household_only_in_a_building_and_not_twice(world):
    with pytest.raises(CommandError, match="户必须登记在楼栋下"):
        run("household", world.areas["A1-1"].code, "--address", "1单元101")
    building = world.areas["A1-1-b"]
    with pytest.raises(CommandError, match="已有门牌 1单元101 的户"):
        run("household", building.code, "--address", "1单元101")


@pytest.mark.parametrize(
    "document",
    [
        POLYGON,
        {"type": "Feature", "properties": {"name": "网格"}, "geometry": POLYGON},
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": POLYGON}],
        },
    ],
    ids=["geometry", "feature", "one-feature-collection"],
)
def test_geometry_accepts_what_gis_tools_export(world, tmp_path, document):
    grid = Area.objects.get(pk=world.areas["A2-2"].pk)  # a copy: the world's objects are shared
    file = tmp_path / "grid.geojson"
    file.write_text(json.dumps(document), encoding="utf-8")
    printed = run("geometry", grid.code, str(file))
    grid.refresh_from_db()
    assert grid.geometry == POLYGON
    assert f"已设置网格“{grid.name}”（{grid.code}）的范围" in printed
    geo.invalidate()
    found = geo.locate(117.505, 36.505)
    assert found is not None and found.code == grid.code


def test_geometry_refuses_several_features_and_bad_files(world, tmp_path):
    grid = Area.objects.get(pk=world.areas["A2-2"].pk)
    two = tmp_path / "two.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": POLYGON}
    two.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, feature]}))
    with pytest.raises(CommandError, match="FeatureCollection 中有 2 个要素"):
        run("geometry", grid.code, str(two))
    line = tmp_path / "line.geojson"
    line.write_text(json.dumps({"type": "LineString", "coordinates": RING}))
    with pytest.raises(CommandError, match="范围必须是多边形"):
        run("geometry", grid.code, str(line))
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="不是有效的 GeoJSON"):
        run("geometry", grid.code, str(broken))
    before = grid.geometry
    grid.refresh_from_db()
    assert grid.geometry == before


def test_a_boundary_file_that_is_not_json_is_explained_in_chinese(world, tmp_path):
    """A KML picked instead of the GeoJSON was answered "JSON 格式错误：Expecting value: line 1
    column 1 (char 0)", the parser's English; a folder given by mistake, a traceback."""
    grid = Area.objects.get(pk=world.areas["A2-2"].pk)
    kml = tmp_path / "grid.kml"
    kml.write_text('<?xml version="1.0"?><kml><Placemark/></kml>', encoding="utf-8")
    comma = tmp_path / "comma.geojson"
    comma.write_text('{"type": "Polygon",\n "coordinates": [],\n}', encoding="utf-8")
    empty = tmp_path / "empty.geojson"
    empty.write_text("\n")
    gbk = tmp_path / "gbk.geojson"
    gbk.write_bytes('{"name": "第1网格"}'.encode("gbk"))
    for file, said in (
        (kml, "第 1 行第 1 列这里应是一个值（文件不是 JSON？KML"),
        (comma, "第 3 行第 1 列属性名应使用英文双引号"),
        (empty, "文件是空的"),
        (gbk, "不是 UTF-8 编码"),
        (tmp_path, "是文件夹"),
    ):
        with pytest.raises(CommandError) as refused:
            run("geometry", grid.code, str(file))
        message = str(refused.value)
        assert said in message
        assert "Expecting" not in message and "line" not in message and "codec" not in message
    before = grid.geometry
    grid.refresh_from_db()
    assert grid.geometry == before


def test_list_shows_the_tree_and_which_grids_lack_a_boundary(world):
    community = world.areas["A1"]
    run("add", "--kind", "grid", "--parent", community.code, "--name", "新网格")
    printed = run("list", "--under", community.code)
    assert f"{world.areas['A1-1'].code}\t网格\t网格A1-1\t有范围" in printed
    assert "\t网格\t新网格\t无范围" in printed
    assert world.areas["A2"].code not in printed
