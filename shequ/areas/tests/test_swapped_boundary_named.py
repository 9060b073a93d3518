"""A grid boundary exported with latitude first ([36.5, 117.5] for a place in China) was
refused with 范围坐标必须是 WGS84 经纬度 only, leaving the admin to guess which part was
wrong: it now says the coordinates look swapped and that longitude comes first."""

import pytest

from shequ.areas.services import check_geometry
from shequ.core.errors import ValidationFailed

RING = [[117.5, 36.5], [117.51, 36.5], [117.51, 36.51], [117.5, 36.51], [117.5, 36.5]]


def test_a_boundary_with_latitude_first_is_said_to_look_swapped():
    swapped = {"type": "Polygon", "coordinates": [[[lat, lon] for lon, lat in RING]]}
    with pytest.raises(ValidationFailed) as refused:
        check_geometry(swapped)
    message = refused.value.fields["geometry"]
    assert "WGS84" in message and "填反" in message and "经度在前" in message


def test_a_boundary_merely_out_of_range_is_not_called_swapped():
    projected = {"type": "Polygon", "coordinates": [[[x * 1e5, y * 1e5] for x, y in RING]]}
    with pytest.raises(ValidationFailed) as refused:
        check_geometry(projected)
    assert "填反" not in refused.value.fields["geometry"]


def test_a_boundary_in_range_is_kept():
    check_geometry({"type": "Polygon", "coordinates": [RING]})
