"""The 新建清单 form's 月份 box and the 登记 forms of the resource list (单位名称, 联系人,
联系电话, 服务队名称, 队长, 身份证号, 行业, 领域, 特长, 场地名称, 说明, 成员用户名) had only a
placeholder: once something is typed the hint is gone, and a screen reader (or a
browser's autofill) has no name for the box. Every field a staff form shows now has one."""

import re

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def unnamed_fields(body: str) -> list[str]:
    """The visible form fields with neither a <label> around or for them nor an aria-label."""
    named_by_id = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', body))
    found = []
    for m in re.finditer(r"<(input|select|textarea)\b([^>]*)>", body):
        attrs = m.group(2)
        kind = re.search(r'\btype="([^"]+)"', attrs)
        if kind and kind.group(1) in ("hidden", "submit", "button", "reset"):
            continue
        if "aria-label=" in attrs or "aria-labelledby=" in attrs:
            continue
        ident = re.search(r'\bid="([^"]+)"', attrs)
        if ident and ident.group(1) in named_by_id:
            continue
        before = body[: m.start()]
        if before.rfind("<label") > before.rfind("</label>"):
            continue  # inside a <label>
        name = re.search(r'name="([^"]*)"', attrs)
        found.append(name.group(1) if name else attrs)
    return found


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/monthly/",
        "/tasks/resources/?tab=unit",
        "/tasks/resources/?tab=team",
        "/tasks/resources/?tab=talent",
        "/tasks/resources/?tab=venue",
    ],
)
def test_every_field_of_a_staff_form_has_a_name(world, url):
    r = client_for(world.secretary_zhang).get(url)
    assert r.status_code == 200
    assert unnamed_fields(r.content.decode()) == []
