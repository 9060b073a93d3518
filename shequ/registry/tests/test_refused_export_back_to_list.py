"""A refused 导出完整信息 (reason too short) returns to the list with the message beside
the reason box and the reason kept, not the generic 出错了 page."""

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "form", "heading"),
    [
        ("/residents/export/", {"q": "王"}, 'name="q" value="王"'),
        ("/floating/export/", {"list": "permit"}, 'name="list" value="permit"'),
        ("/care/export/", {"group": "elderly_60"}, "重点人群"),
    ],
)
def test_a_refused_full_export_returns_to_the_list_with_the_reason(world, url, form, heading):
    r = client_for(world.secretary_zhang).post(url, {**form, "reason": "查"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "出错了" not in body
    box = body[body.index('<input name="reason"') :]
    assert 'value="查"' in box[: box.index(">")]
    after = box[box.index(">") : box.index("</form>")]
    assert "导出完整信息须填写事由" in after
    assert heading in body
