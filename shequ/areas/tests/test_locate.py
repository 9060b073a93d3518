import pytest

from shequ.areas import geo
from shequ.areas.models import Area, AreaKind
from shequ.areas.services import create_area, set_geometry
from shequ.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def square(x, y, size=0.01):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_locate_finds_the_grid_containing_a_point(world):
    grid = world.areas["A1-2"]
    ring = grid.geometry["coordinates"][0]
    cx = (ring[0][0] + ring[1][0]) / 2
    cy = (ring[0][1] + ring[2][1]) / 2
    geo.invalidate()
    found = geo.locate(cx, cy)
    assert found is not None and found.code == grid.code


def test_locate_outside_every_grid_is_none(world):
    geo.invalidate()
    assert geo.locate(0.0, 0.0) is None


def test_bulk_and_single_lookups_agree_including_shared_borders(world):
    geo.invalidate()
    a, b = world.areas["A1-1"], world.areas["A1-2"]
    border_x = a.geometry["coordinates"][0][1][0]
    y = a.geometry["coordinates"][0][0][1] + 0.001
    points = [(border_x, y), (border_x - 0.001, y), (border_x + 0.001, y), (1.0, 1.0)]
    many = geo.locate_many([p[0] for p in points], [p[1] for p in points])
    single = [geo.locate(*p) for p in points]
    assert many == single
    assert [g.code if g else None for g in many[1:]] == [a.code, b.code, None]


def test_changing_a_grid_polygon_is_seen_at_once(world):
    grid = world.areas["B2-1"]
    geo.invalidate()
    assert geo.locate(150.005, -30.005) is None
    set_geometry(Area.objects.get(pk=grid.pk), square(150.0, -30.01))
    found = geo.locate(150.005, -30.005)
    assert found is not None and found.code == grid.code


def test_invalid_polygons_are_refused_with_a_reason(world):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationFailed) as exc:
        create_area(
            code=f"{world.areas['A1'].code}X1",
            name="坏网格",
            kind=AreaKind.GRID,
            parent=world.areas["A1"],
            geometry=bow_tie,
        )
    assert "范围多边形无效" in exc.value.fields["geometry"]


def test_a_building_cannot_sit_under_a_street(world):
    with pytest.raises(ValidationFailed) as exc:
        create_area(code="X2", name="楼", kind=AreaKind.BUILDING, parent=world.areas["A"])
    assert exc.value.fields["parent"] == "楼栋不能放在街道之下"


def test_a_grid_whose_geometry_shapely_rejects_is_left_out_not_fatal(world, caplog):
    # Given a boundary stored before anything checked it (a FeatureCollection pasted in /admin/)
    bad = create_area(code="370103003001900", name="坏网格", kind=AreaKind.GRID, parent=world.areas["A1"])
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": square(117.3, 36.3)}],
    }
    Area.objects.filter(pk=bad.pk).update(geometry=collection)
    geo.invalidate()
    # Then every other grid is still found, and the bad one is named in the log
    with caplog.at_level("WARNING", logger="shequ.areas.geo"):
        ring = world.areas["A1-2"].geometry["coordinates"][0]
        found = geo.locate((ring[0][0] + ring[1][0]) / 2, (ring[0][1] + ring[2][1]) / 2)
    assert found is not None and found.code == world.areas["A1-2"].code
    assert geo.locate(117.305, 36.305) is None
    assert "370103003001900" in caplog.text
    geo.invalidate()


def test_a_crossed_or_unclosed_boundary_is_explained_in_chinese(world):
    """An operator (`shequ areas geometry`) or support staff pasting an outline in /admin/
    read "范围多边形无效：Self-intersection[0.5 0.5]" or "…：A linearring requires at least 4
    coordinates.": the reason in GEOS's English."""
    parent = world.areas["A1"]
    crossing = [[117.0, 36.0], [117.1, 36.1], [117.1, 36.0], [117.0, 36.1], [117.0, 36.0]]
    bow_tie = {"type": "Polygon", "coordinates": [crossing]}
    with pytest.raises(ValidationFailed) as crossed:
        create_area(
            code=f"{parent.code}X3", name="坏网格", kind=AreaKind.GRID, parent=parent, geometry=bow_tie
        )
    message = crossed.value.fields["geometry"]
    assert "边界自相交" in message and "117.05" in message and "36.05" in message
    assert "intersection" not in message

    three_points = {"type": "Polygon", "coordinates": [[[117.0, 36.0], [117.1, 36.1], [117.0, 36.0]]]}
    with pytest.raises(ValidationFailed) as short:
        create_area(
            code=f"{parent.code}X4", name="坏网格", kind=AreaKind.GRID, parent=parent, geometry=three_points
        )
    message = short.value.fields["geometry"]
    assert "至少" in message and "4" in message and "linearring" not in message
    assert not Area.objects.filter(code__in=[f"{parent.code}X3", f"{parent.code}X4"]).exists()
