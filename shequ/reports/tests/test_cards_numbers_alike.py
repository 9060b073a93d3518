"""The count cards grouped 社区, 网格 and 楼栋 by the language's thousands separator and
printed 户数, 居民 and the rest bare: in English a street read "1,234 grids" beside
"42140 residents", and the table below was bare too. Every figure of the cards and the
table is now written the same way: grouped in English, as Chinese writes it (42140) in
Chinese."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from shequ.reports.selectors import STAT_KEYS, AreaStats, StatsTable

pytestmark = pytest.mark.django_db


def _figures(world, language):
    street = world.areas["A"]
    big = AreaStats(**{key: 12345 + n for n, key in enumerate(STAT_KEYS)})
    table = StatsTable(area=street, total=big, rows=[(world.areas["A1"], big)], direct=big)
    with translation.override(language):
        html = render_to_string("partials/stats_table.html", {"table": table})
    return re.findall(r"<(?:b|td)[^>]*>([\d,]+)</(?:b|td)>", html)


def test_every_figure_is_grouped_alike_in_english(world):
    figures = _figures(world, "en")
    assert len(figures) == 9 + 8 + 8  # the cards, a community's row and the direct row
    assert all(re.fullmatch(r"\d{2},\d{3}", f) for f in figures), figures


def test_chinese_figures_are_written_as_chinese_writes_them(world):
    figures = _figures(world, "zh-hans")
    assert len(figures) == 25 and all(re.fullmatch(r"\d{5}", f) for f in figures), figures
