"""The registry's fields a screen reader could not name: the 导出完整信息 reason on 流动人口
and 重点人群 had a placeholder only (gone once typed into), and the visit form's 发现的
需求或问题 boxes had neither label nor name of their own."""

import pytest

from shequ.tasks.tests.test_staff_forms_name_their_fields import unnamed_fields
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_every_field_of_the_registry_pages_has_a_name(world):
    household = world.households["A1-1-h1"]
    secretary = client_for(world.secretary_zhang)
    for url in ("/floating/", "/care/", "/residents/", f"/households/{household.pk}/visits/new/"):
        page = secretary.get(url)
        assert page.status_code == 200, url
        assert unnamed_fields(page.content.decode()) == [], url
    # The export's reason is there to be named (the secretary may export in full).
    assert 'name="reason"' in secretary.get("/care/").content.decode()
