"""Outside production every page says that the keys are the public development ones."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

BANNER = "请勿录入真实居民信息"


def test_every_page_outside_production_warns_against_real_residents(world):
    assert BANNER in Client().get("/login/").content.decode()
    client = Client()
    client.force_login(world.secretary_zhang)
    assert BANNER in client.get("/").content.decode()
    with override_settings(PRODUCTION=True, SHEQU_ENV="production"):
        assert BANNER not in client.get("/").content.decode()
        assert BANNER not in Client().get("/login/").content.decode()
