"""A grid worker opens 问题清单 on a phone (390 px wide). The board is a table of eight
columns that never wrap: the row's 状态 and 办理时限 sat past the screen's right edge,
reached only by swiping each row sideways. On a narrow screen each problem is now a
block with its fields one under another, each named; a desktop keeps the table."""

import pytest

from shequ.testing.browser import CHROMIUM_ARGS
from shequ.testing.browser import login as browser_login

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

WIDTH = 390


def test_a_problems_status_and_deadline_are_on_a_phones_screen(demo, live_url, chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 844}, locale="zh-CN")
            browser_login(page, live_url, "longtanyuan_secretary")
            page.goto(f"{live_url}/problems/?open=1")
            row = page.locator("table.dense tbody tr").first
            cells = row.locator("td")
            assert cells.count() == 8
            for i in range(8):
                box = cells.nth(i).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, i
            # Each field says what it is, as the table's header did.
            named = "e => getComputedStyle(e, '::before').content"
            assert "状态" in cells.nth(4).evaluate(named) and "办理时限" in cells.nth(7).evaluate(named)

            wide = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            browser_login(wide, live_url, "longtanyuan_secretary")
            wide.goto(f"{live_url}/problems/?open=1")
            assert wide.locator("table.dense thead").is_visible()
            first = wide.locator("table.dense tbody tr").first.locator("td")
            # One line a problem on a desktop, the header naming the columns.
            number, due = first.nth(0).bounding_box(), first.nth(7).bounding_box()
            assert number is not None and due is not None and number["y"] == due["y"]
            assert "状态" not in first.nth(4).evaluate("e => getComputedStyle(e, '::before').content")
        finally:
            browser.close()
