"""A field the form cannot be saved without is marked required, so that a browser says
which one is missing before sending, and a screen reader reads it as required. The task
editor marked only 标题: a worker who typed the title and pressed 保存 got six messages
back for 任务说明, 类别, 截止时间, 所在区域… none of which the page had said were needed.
The same for the store's 物品名称 and 所需积分, a window's dates, a service's 服务内容 and
积分, a monthly list's 月份, and the names on the resource list's 登记 forms."""

import re

import pytest

from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for
from shequ.testing.pages import forms

pytestmark = pytest.mark.django_db

# (page, text only that form holds, the fields an empty submit of it is refused for)
NEEDED = [
    ("/tasks/new/", 'id="task-form"', ["title", "description", "category", "places", "deadline", "area"]),
    ("/points/catalogue/", ">上架</button>", ["name", "price", "per_person_limit"]),
    ("/points/catalogue/", ">添加兑换期</button>", ["starts_on", "ends_on"]),
    ("/tasks/monthly/", ">新建清单</button>", ["month"]),
    ("/tasks/resources/?tab=unit", 'value="unit">', ["name"]),
    ("/tasks/resources/?tab=team", 'value="team">', ["name"]),
    ("/tasks/resources/?tab=team", 'value="member">', ["id_number"]),
    ("/tasks/resources/?tab=talent", 'value="talent">', ["id_number", "trade"]),
    ("/tasks/resources/?tab=venue", 'value="venue">', ["name"]),
]


def control(form: str, name: str) -> str:
    found = re.search(r'<(?:input|select|textarea)\b[^>]*\bname="' + name + r'"[^>]*>', form)
    assert found is not None, name
    return found.group(0)


def test_the_fields_a_form_needs_are_marked_required(world):
    secretary = client_for(world.secretary_zhang)
    unmarked = []
    for url, marker, needed in NEEDED:
        page = secretary.get(url)
        assert page.status_code == 200, url
        found = [(t, f) for t, f in forms(f"http://testserver{url}", page.content.decode()) if marker in f]
        assert len(found) == 1, (url, marker)
        target, form = found[0]
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        sent = secretary.post(target, hidden | dict.fromkeys(needed, ""))
        assert sent.status_code == 400, url  # the form is refused without them
        marked = [name for name in needed if re.search(r"\srequired\b", control(form, name))]
        unmarked += [f"{url} {name}" for name in needed if name not in marked]
    assert unmarked == []


def test_a_kept_description_is_not_required_again(world):
    """An edited task whose description held a number keeps it when the box is left
    empty (the box cannot show it): there the box is not required."""
    task = make_task(world, actor=world.street_chen, publish=False, description="电话 13812345678，带工具")
    page = client_for(world.secretary_zhang).get(f"/tasks/{task.pk}/edit/").content.decode()
    assert 'name="description_kept"' in page
    assert not re.search(r"\srequired\b", control(page, "description"))
