"""Outside production every page says it is a trial. It said the data were encrypted with
the public development key even on a trial server given a field key of its own."""

import base64

import pytest
from django.test import override_settings

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_trial_banner_names_the_public_key_only_when_it_is_the_one_in_use(world):
    c = client_for(world.secretary_zhang)
    with override_settings(FIELD_KEY=""):
        page = c.get("/").content.decode()
    assert "试用环境" in page and "公开的开发密钥" in page
    own = base64.b64encode(b"k" * 32).decode()
    with override_settings(FIELD_KEY=own):
        page = c.get("/").content.decode()
    assert "试用环境" in page and "公开的开发密钥" not in page and "请勿录入真实居民信息" in page
