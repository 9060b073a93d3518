"""A partner unit's 联系人 is a name. Staff typed "王经理13812345678" into it (the phone
beside it as well, or instead), and the number was listed in full on the resource list
and in GET /resources/units/ to every grid worker and community below a street's unit,
while the phone field beside it was masked and its full read audited. A number is now
refused there (the phone has its own field), and one written before is shown masked and
kept as stored when the row is edited around it."""

import json

import pytest

from shequ.core.errors import ValidationFailed
from shequ.tasks import services
from shequ.tasks.models import PartnerUnit
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def test_a_phone_typed_into_the_contact_name_is_refused_naming_the_field(world):
    with pytest.raises(ValidationFailed) as exc:
        services.add_unit(
            world.secretary_zhang,
            services.UnitInput(
                name="物业服务中心",
                kind="property_company",
                area=world.areas["A1"].code,
                contact_name=f"王经理{PHONE}",
            ),
        )
    assert "联系电话" in exc.value.fields["contact_name"]
    page = client_for(world.secretary_zhang).post(
        "/tasks/resources/",
        {
            "form": "unit",
            "name": "物业服务中心",
            "kind": "property_company",
            "area": world.areas["A1"].code,
            "contact_name": f"王经理{PHONE}",
        },
    )
    assert page.status_code == 400
    assert "联系电话" in page.content.decode()
    assert not PartnerUnit.objects.filter(name="物业服务中心", area=world.areas["A1"]).exists()
    u = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(name="物业服务中心", kind="property_company", area=world.areas["A1"].code),
    )
    with pytest.raises(ValidationFailed) as exc:
        services.update_unit(world.secretary_zhang, u.pk, contact_name=f"王经理 {PHONE}")
    assert "contact_name" in exc.value.fields


def test_a_number_written_before_is_shown_masked_and_kept_when_edited_around(world):
    u = services.add_unit(
        world.secretary_zhang,
        services.UnitInput(name="物业服务中心", kind="property_company", area=world.areas["A1"].code),
    )
    PartnerUnit.objects.filter(pk=u.pk).update(contact_name=f"王经理{PHONE}")  # written before
    grid = client_for(world.grid_worker_li)
    page = client_for(world.secretary_zhang).get("/tasks/resources/").content.decode()
    assert PHONE not in page and "王经理138****5678" in page
    listed = grid.get("/api/v1/resources/units/").json()["items"]
    assert [x["contact_name"] for x in listed if x["id"] == u.pk] == ["王经理138****5678"]
    # Saved as read (the masked number sent back), and from the page's form left as shown.
    staff = client_for(world.secretary_zhang)
    r = staff.patch(
        f"/api/v1/resources/units/{u.pk}",
        json.dumps({"contact_name": "王经理138****5678", "services": "保洁"}),
        "application/json",
    )
    assert r.status_code == 200, r.content
    r = staff.post(
        "/tasks/resources/",
        {
            "form": "unit_edit",
            "unit": u.pk,
            "contact_name": "",
            "contact_name_kept": "1",
            "contact_phone": "",
            "services": "保洁、绿化",
        },
    )
    assert r.status_code == 302
    u.refresh_from_db()
    assert (u.contact_name, u.services) == (f"王经理{PHONE}", "保洁、绿化")
