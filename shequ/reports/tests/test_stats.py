import json
from datetime import date

import pytest
from django.test import Client

from shequ.reports.selectors import STAT_KEYS, birth_cutoff, compute

pytestmark = pytest.mark.django_db


def expected_for(world, prefix):
    residents = [r for r in world.residents.values() if r.area_path.startswith(prefix)]
    cutoff = birth_cutoff(60)
    return {
        "residents": len(residents),
        "households": sum(1 for h in world.households.values() if h.area_path.startswith(prefix)),
        "floating": sum(1 for r in residents if r.residence_type == "floating"),
        "elderly": sum(1 for r in residents if r.birth_date <= cutoff),
        "party_members": sum(1 for r in residents if r.party_member_kind),
        "grids": sum(1 for k, a in world.areas.items() if a.kind == "grid" and a.path.startswith(prefix)),
    }


def test_street_stats_and_per_community_rows_match_the_records(world):
    street = world.areas["A"]
    table = compute(street)
    got = table.total.as_dict()
    for key, value in expected_for(world, street.path).items():
        assert got[key] == value, key
    assert got["communities"] == 8  # every community of 杆石桥街道 was imported
    rows = {area.code: stats for area, stats in table.rows}
    a1 = world.areas["A1"]
    for key, value in expected_for(world, a1.path).items():
        assert getattr(rows[a1.code], key) == value, key
    assert sum(s.residents for s in rows.values()) == got["residents"]


def test_birth_cutoff_on_the_29th_of_february():
    assert birth_cutoff(60, date(2028, 2, 29)) == date(1968, 2, 29)
    assert birth_cutoff(61, date(2028, 2, 29)) == date(1967, 2, 28)
    assert birth_cutoff(60, date(2026, 11, 22)) == date(1966, 11, 22)


def test_stats_api_has_exactly_the_documented_keys(world):
    client = Client()
    client.force_login(world.secretary_zhang)
    r = client.get(f"/api/v1/areas/{world.areas['A1'].code}/stats")
    assert r.status_code == 200
    assert tuple(r.json()) == STAT_KEYS
    assert r.json()["residents"] == expected_for(world, world.areas["A1"].path)["residents"]
    assert json.loads(r.content)["grids"] == 2


def test_the_street_page_has_no_column_of_ones(world):
    """A street's rows are its communities, so a 社区 column counted 1 on every row. The
    street's total stays on its card."""
    client = Client()
    client.force_login(world.street_chen)
    page = client.get("/").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert "<th>名称</th><th>网格</th>" in head and "社区" not in head
    assert "<b>8</b><span>社区</span>" in page
