"""A community secretary imports the register from Excel, in Debian's chromium: upload, fix the
column mapping, read the row errors, upload the corrected file, watch the import's
progress bar finish, and find an imported resident."""

import threading
from datetime import date

import pytest
from django.db import connections
from django.test import override_settings

from shequ.areas.models import Area
from shequ.people import idcard
from shequ.registry.models import ImportRun
from shequ.registry.tests.helpers import HEADERS, save
from shequ.testing.browser import CHROMIUM_ARGS
from shequ.testing.browser import login as browser_login

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

# 龙滩园社区 (龙滩子街道): the demo asserts no population figures there, so the residents
# this journey imports (committed, on PostgreSQL) change no other test's counts.
COMMUNITY = "500111003001"
# Jobs are only queued here (not run at once), so the page shows the run in progress and
# the test moves it on, as the job worker would.
QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


def people(building: str) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(3):
        number = idcard.make("150784", date(1985, 3, 1 + i), 400 + i, "F")
        relation = "户主" if i == 0 else "子女"
        rows.append([f"欧阳浏览{i}", number, "女", f"1380000{i:04d}", relation, building, "7", "701"])
    return rows


def test_staff_upload_fix_mapping_see_errors_reupload_watch_progress_find_resident(
    demo, live_url, chromium_path, tmp_path, monkeypatch
):
    from playwright.sync_api import expect, sync_playwright

    # The test moves the queued job on itself, with the ORM, inside Playwright's sync API
    # (which runs an event loop in this thread); no async code is involved.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    from shequ.registry import services

    building = Area.objects.filter(kind="building", path__contains=f"/{COMMUNITY}/").order_by("path").first()
    assert building is not None
    headers = ["住户姓名", *HEADERS[1:]]
    good = people(building.name)
    wrong = [list(r) for r in good]
    wrong[2][5] = "不存在的楼"
    first = save(tmp_path / "龙滩园社区台账.xlsx", {"一网格": [headers, *wrong]})
    fixed = save(tmp_path / "龙滩园社区台账-改.xlsx", {"一网格": [headers, *good]})

    test_connection = connections["default"]
    with override_settings(TASKS=QUEUED), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True)
        browser_login(page, live_url, "longtanyuan_secretary")

        def run_queued_job(commit: bool) -> None:
            def work() -> None:
                run = ImportRun.objects.latest("id")
                services.process(run.pk, commit=commit)

            if test_connection.vendor == "sqlite":
                # The live server shares this test's in-memory database connection; inside
                # Playwright's sync API Django would open another one for this context.
                connections["default"] = test_connection
                work()
                return

            # PostgreSQL: the server commits on its own connection, and so must the job
            # (this test's connection is inside the test's transaction).
            def in_thread() -> None:
                try:
                    work()
                finally:
                    connections.close_all()

            worker = threading.Thread(target=in_thread)
            worker.start()
            worker.join()

        # 1. Upload: the odd header 住户姓名 is not recognised, so the check cannot start.
        page.goto(f"{live_url}/registry/import/")
        page.select_option("select[name=community]", COMMUNITY)
        page.set_input_files("input[name=file]", str(first))
        page.click("form.stack button[type=submit]")
        page.wait_for_url("**/registry/import/*/")
        page.click("#mapping button[type=submit]")
        expect(page.locator(".error")).to_contain_text("没有列对应“姓名”（必填）")

        # 2. Fix the mapping; the dry run finds the unknown building in row 4.
        page.select_option("select[aria-label=住户姓名]", "name")
        page.click("#mapping button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator("progress")).to_be_visible()
        run_queued_job(commit=False)
        expect(page.locator("table.errors")).to_contain_text("楼栋“不存在的楼”在本社区不存在", timeout=10_000)
        expect(page.locator("table.errors tbody tr")).to_have_count(1)
        with page.expect_download() as download:
            page.click("text=下载错误报告（Excel）")
        assert download.value.suggested_filename.endswith("错误报告.xlsx")

        # 3. Upload the corrected file: the mapping is remembered, the check passes.
        page.goto(f"{live_url}/registry/import/")
        page.select_option("select[name=community]", COMMUNITY)
        page.set_input_files("input[name=file]", str(fixed))
        page.click("form.stack button[type=submit]")
        page.wait_for_url("**/registry/import/*/")
        assert page.locator("select[aria-label=住户姓名]").input_value() == "name"
        page.click("#mapping button[type=submit]")
        page.wait_for_load_state()
        run_queued_job(commit=False)
        expect(page.locator(".summary")).to_contain_text("新增", timeout=10_000)
        page.click("text=确认导入")
        page.wait_for_load_state()

        # 4. The progress bar polls while the job runs, and the page shows the result.
        expect(page.locator("progress")).to_be_visible()
        run_queued_job(commit=True)
        expect(page.locator("text=已导入。")).to_be_visible(timeout=10_000)
        expect(page.locator("progress")).to_have_count(0)

        # 5. Find an imported resident by name.
        page.goto(f"{live_url}/residents/?area={COMMUNITY}&q=欧阳浏览1")
        expect(page.locator("#rows")).to_contain_text("欧阳浏览1")
        expect(page.locator("#rows")).to_contain_text("7单元701")
        browser.close()
