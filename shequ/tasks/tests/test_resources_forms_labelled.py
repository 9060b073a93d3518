"""The 资源清单 登记 forms name each box with a visible label: a placeholder as the only
name was gone once something was typed (or the form came back refused)."""

import re

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("tab", "names"),
    [
        ("team", ["服务队名称", "服务队类型", "所属区域", "队长", "服务队", "队员身份证号"]),
        ("talent", ["居民身份证号", "类别", "行业", "领域", "特长"]),
        ("venue", ["场地或设备名称", "类型", "所属区域", "说明"]),
        ("unit", ["单位名称", "单位类型", "所属区域", "联系人", "联系电话", "可提供服务"]),
    ],
)
def test_each_registration_box_has_a_visible_label(world, tab, names):
    body = client_for(world.secretary_zhang).get(f"/tasks/resources/?tab={tab}").content.decode()
    forms = body[
        body.index(
            '<input type="hidden" name="form" value="'
            + {"team": "team", "talent": "talent", "venue": "venue", "unit": "unit"}[tab]
            + '">'
        ) :
    ]
    labels = re.findall(r"<label>([^<]+?) <(?:input|select)", forms)
    for name in names:
        assert name in labels, name
