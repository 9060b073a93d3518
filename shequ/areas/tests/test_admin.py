"""The support staff's /admin/ for areas: no half-made areas, no boundary shapely rejects."""

import json

import pytest
from django.test import Client

from shequ.access.models import AuditEvent, User
from shequ.areas.models import Area

pytestmark = pytest.mark.django_db

RING = [[117.5, 36.5], [117.51, 36.5], [117.51, 36.51], [117.5, 36.51], [117.5, 36.5]]
POLYGON = {"type": "Polygon", "coordinates": [RING]}


@pytest.fixture
def admin_client():
    c = Client()
    c.force_login(User.objects.create_superuser("area-admin", password="admin-pass-2026"))
    return c


def test_areas_cannot_be_added_in_the_admin(world, admin_client):
    before = Area.objects.count()
    assert admin_client.get("/admin/areas/area/add/").status_code == 403
    r = admin_client.post("/admin/areas/area/add/", {"name": "空区域"})
    assert r.status_code == 403
    assert Area.objects.count() == before


def test_a_pasted_feature_collection_is_refused_with_the_services_message(world, admin_client):
    grid = world.areas["A2-2"]
    feature = {"type": "Feature", "properties": {}, "geometry": POLYGON}
    pasted = json.dumps({"type": "FeatureCollection", "features": [feature, feature]})
    r = admin_client.post(f"/admin/areas/area/{grid.pk}/change/", {"name": "改过的名字", "geometry": pasted})
    assert r.status_code == 200
    body = r.content.decode()
    assert "FeatureCollection 中有 2 个要素" in body
    assert "改过的名字" in body  # what was typed comes back
    assert Area.objects.get(pk=grid.pk).geometry == grid.geometry
    line = json.dumps({"type": "LineString", "coordinates": RING})
    r = admin_client.post(f"/admin/areas/area/{grid.pk}/change/", {"name": grid.name, "geometry": line})
    assert "范围必须是多边形" in r.content.decode()


def test_a_one_feature_export_is_saved_as_its_geometry_and_audited(world, admin_client):
    grid = world.areas["A2-2"]
    pasted = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": POLYGON}]})
    r = admin_client.post(f"/admin/areas/area/{grid.pk}/change/", {"name": "新名字", "geometry": pasted})
    assert r.status_code == 302
    saved = Area.objects.get(pk=grid.pk)
    assert (saved.name, saved.geometry) == ("新名字", POLYGON)
    assert AuditEvent.objects.filter(event="area.geometry", area_path=grid.path).exists()


def test_a_grid_renamed_in_the_admin_is_audited(world, admin_client):
    """A grid renamed (split, merged, renumbered) changed the name on every problem, ledger
    and task of it, and the audit log did not say who did it or what it was called before."""
    grid = world.areas["A2-1"]
    r = admin_client.post(
        f"/admin/areas/area/{grid.pk}/change/",
        {"name": "  第一网格（东） ", "geometry": json.dumps(grid.geometry)},
    )
    assert r.status_code == 302
    assert Area.objects.get(pk=grid.pk).name == "第一网格（东）"
    row = AuditEvent.objects.get(event="area.rename", area_path=grid.path)
    assert row.detail == {"from": grid.name, "to": "第一网格（东）"}
    assert not AuditEvent.objects.filter(event="area.geometry", area_path=grid.path).exists()


def test_an_empty_area_deleted_in_the_admin_is_audited(world, admin_client):
    """A building added by mistake and deleted in the admin left no trace in the audit log:
    no one could tell who removed which place, or that it had existed."""
    from shequ.areas.services import create_area

    grid = world.areas["A2-2"]
    extra = create_area(code=f"{grid.code}099", name="误建楼", kind="building", parent=grid)
    r = admin_client.post(f"/admin/areas/area/{extra.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert not Area.objects.filter(pk=extra.pk).exists()
    row = AuditEvent.objects.get(event="area.delete", object_id=str(extra.pk))
    assert row.area_path == extra.path and row.actor_name == "area-admin"
    assert row.detail == {"code": extra.code, "name": "误建楼", "kind": "building"}


def test_an_area_with_a_household_is_not_deleted(world, admin_client):
    building = world.areas["A2-2-b"]
    r = admin_client.post(f"/admin/areas/area/{building.pk}/delete/", {"post": "yes"})
    assert Area.objects.filter(pk=building.pk).exists()
    assert not AuditEvent.objects.filter(event="area.delete", object_id=str(building.pk)).exists()
    assert "户" in r.content.decode()
