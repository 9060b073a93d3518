"""新建清单's messages all came after its button, in a row: none was beside the box it was
about, so the page's script could tie none of them to its field (aria-invalid, the focus
on the first one to fix), and a screen reader user heard the messages with nothing to
say which box to correct. Each message now follows its own box."""

import re

import pytest

from shequ.testing.clients import client_for
from shequ.testing.pages import forms

pytestmark = pytest.mark.django_db


def test_each_message_of_a_refused_new_list_follows_its_own_field(world):
    staff = client_for(world.secretary_zhang)
    refused = staff.post("/tasks/monthly/", {"area": "", "month": "2026年", "publish_on": "下周"})
    assert refused.status_code == 400
    form = next(
        f for _, f in forms("http://testserver/tasks/monthly/", refused.content.decode()) if "新建清单" in f
    )
    for name, said in (("area", "请选择您管辖的社区"), ("month", "2026年"), ("publish_on", "下周")):
        beside = re.search(
            r'<(?:input|select)\b[^>]*\bname="'
            + name
            + r'"[^>]*>(?:.*?</select>)?\s*<span class="field-error">([^<]*)</span>',
            form,
            re.S,
        )
        assert beside is not None, name
        assert said in beside.group(1), name
