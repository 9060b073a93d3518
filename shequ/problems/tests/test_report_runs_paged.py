"""The reports page listed the newest 20 monthly report runs and nothing older: a
community's runs of last year, and their files, were linked nowhere."""

import pytest

from shequ.problems.models import ReportRun
from shequ.testing.clients import client_for
from shequ.testing.pages import link

pytestmark = pytest.mark.django_db


def test_older_report_runs_are_on_the_next_page(world):
    community = world.areas["A1"]
    for year in (2025, 2024):  # 2025's runs made first: the oldest, on the last page
        for m in range(1, 13):
            ReportRun.objects.create(
                area=community,
                area_path=community.path,
                month=f"{year}{m:02d}",
                requested_by=world.secretary_zhang,
                status="done",
            )
    c = client_for(world.secretary_zhang)
    first = c.get("/problems/reports/").content.decode()
    # Newest first: the first run made (2025年1月) is past the first twenty.
    assert "2025年1月" not in first and "下一页" in first
    older = c.get(link("/problems/reports/", first, "下一页"))
    assert older.status_code == 200 and "2025年1月" in older.content.decode()
