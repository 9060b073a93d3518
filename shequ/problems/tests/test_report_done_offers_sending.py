"""月报: the page follows a run being made by asking for its progress every second, and
only that cell was swapped. Once made, the row's other cell still said 生成完成后可报送,
and the 报送街道 button appeared only when the secretary thought to reload the page."""

import pytest
from django.test import Client

from shequ.problems import monthly
from shequ.problems.models import ReportRun

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_a_report_made_while_its_page_is_open_offers_sending_it(world):
    # Given community A1's secretary on the reports page, a run of A1 being made
    a1 = world.areas["A1"]
    run = ReportRun.objects.create(
        area=a1, area_path=a1.path, month="202611", requested_by=world.secretary_zhang
    )
    c = Client()
    c.force_login(world.secretary_zhang)
    page = c.get("/problems/reports/", {"run": run.pk}).content.decode()
    assert "生成完成后可报送" in page and "every 1s" in page
    # While it runs, the poll swaps its cell and nothing else
    assert not c.get(f"/problems/reports/{run.pk}/", headers=HTMX).has_header("HX-Refresh")
    # When the job finishes
    monthly.run_report(run.pk)
    r = c.get(f"/problems/reports/{run.pk}/", headers=HTMX)
    # Then the poll has the page drawn again, which now offers 报送街道
    assert "下载 Word" in r.content.decode()
    assert r["HX-Refresh"] == "true"
    assert "报送街道" in c.get("/problems/reports/", {"run": run.pk}).content.decode()
