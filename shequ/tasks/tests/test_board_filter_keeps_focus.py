"""任务大厅's filter swaps the page's main part on every change, the form with it. htmx
puts the focus back on the control the user was on only when that control has an id
the new page also has; the filter's boxes had none. A keyboard user who changed 类别
(in Chrome on Windows an arrow key on a closed select is a change) was thrown to the
top of the page, before the header's links, after every step: the third category could
not be reached by keyboard at all. Each box of the filter now has an id, kept in the
swapped-in page."""

import re

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def filter_controls(body: str) -> list[str]:
    form = re.search(r'<form method="get" class="filters" hx-get=.*?</form>', body, re.S)
    assert form is not None
    return [
        attrs
        for attrs in re.findall(r"<(?:input|select|textarea)\b([^>]*)>", form.group(0))
        if 'type="hidden"' not in attrs
    ]


@pytest.mark.parametrize("who", ["resident_wang", "secretary_zhang"])
def test_every_filter_box_has_an_id_the_swapped_page_keeps(world, who):
    client = client_for(getattr(world, who))
    controls = filter_controls(client.get("/tasks/").content.decode())
    assert len(controls) >= 2
    ids = [re.search(r'\bid="([^"]+)"', attrs) for attrs in controls]
    assert all(ids), controls
    swapped = client.get("/tasks/", {"category": "replace_bulb"}, HTTP_HX_REQUEST="true").content.decode()
    main = swapped[swapped.index("<main") : swapped.index("</main>")]
    for found in ids:
        assert found is not None and f'id="{found.group(1)}"' in main
