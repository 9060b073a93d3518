"""A street's ledger named each place by its grid alone: with a 第一网格 in every
community, the street could not tell which community a row came from."""

import io

import openpyxl
import pytest

from shequ.problems.ledgers import HEADERS, community_names, ledger_rows
from shequ.problems.models import Problem
from shequ.problems.tests.helpers import report
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db

PLACE = HEADERS.index("所在网格/社区")


def test_a_streets_ledger_names_the_community_of_each_place(world):
    p = report(world)
    community, street = world.areas["A1"], world.areas["A"]
    (own,) = ledger_rows(Problem.objects.filter(pk=p.pk), community_names(community))
    (wide,) = ledger_rows(Problem.objects.filter(pk=p.pk), community_names(street))
    assert community.name not in own[PLACE]
    assert wide[PLACE].startswith(community.name + " ") and wide[PLACE].endswith(own[PLACE])
    # The street's export says so too.
    month = f"{p.reported_at:%Y-%m}"
    r = client_for(world.street_chen).get("/problems/ledgers/export/", {"area": street.code, "month": month})
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)  # type: ignore[attr-defined]
    cells = [row[PLACE] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert wide[PLACE] in cells
