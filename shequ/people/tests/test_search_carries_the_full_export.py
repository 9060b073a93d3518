"""A search on 居民 swaps the rows and, out of band, the export box, so that both exports
take the list now shown. The box was a <p>: a browser ends a <p> where a <form> begins,
so the box held the 导出 Excel（脱敏） link only. After a search the link was renewed, but
导出完整信息 stayed with the search the page was opened with (a full, unmasked export
of another list than the one on the screen), and a second copy of the form, with the
new search, was dropped in under the rows."""

import re

import pytest

from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def export_box(body: str) -> tuple[str, str]:
    """The element of id "export": its tag and what a browser keeps inside it."""
    found = re.search(r'<(\w+)\b[^>]*\bid="export"[^>]*>(.*?)</\1>', body, re.S)
    assert found is not None
    tag, inner = found.group(1), found.group(2)
    if tag == "p":  # a browser closes a <p> at a <form> (or a <div>, a <table>…)
        inner = re.split(r"<(?:form|div|table|ul|ol|p)\b", inner)[0]
    return tag, inner


def test_a_search_renews_the_full_export_with_it(world):
    secretary = client_for(world.secretary_zhang)
    tag, inner = export_box(secretary.get("/residents/").content.decode())
    assert "导出完整信息" in inner and 'name="q" value=""' in inner
    swapped = secretary.get("/residents/", {"q": "li"}, HTTP_HX_REQUEST="true").content.decode()
    tag, inner = export_box(swapped)
    assert 'hx-swap-oob="true"' in swapped
    assert "导出完整信息" in inner and 'name="q" value="li"' in inner
    # Nothing of the box is left to fall in among the rows.
    assert swapped.count(">导出完整信息</button>") == 1


def test_a_number_search_keeps_the_number_out_of_the_masked_exports_address(world):
    """The masked export was a link carrying the search: a search by a full ID number put
    the number into the browser's download history. It is a form now, as the full one."""
    resident = world.residents["A1-1-h1-r1"]
    number = world.full_values[resident.pk][0]
    secretary = client_for(world.secretary_zhang)
    swapped = secretary.get("/residents/", {"q": number}, HTTP_HX_REQUEST="true").content.decode()
    _, inner = export_box(swapped)
    assert number not in re.sub(r'name="q" value="[^"]*"', "", inner)  # only in the forms' hidden box
    assert 'name="masked" value="1"' in inner and "导出 Excel（脱敏）" in inner
    r = secretary.post("/residents/export/", {"masked": "1", "q": number})
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    content = b"".join(r.streaming_content)  # type: ignore[attr-defined]
    import io

    import openpyxl

    cells = [
        str(c)
        for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert resident.name in cells and number not in cells  # masked: no reason asked, none shown in full
