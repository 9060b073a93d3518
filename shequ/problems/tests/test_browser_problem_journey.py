"""A blocked drain, from a resident's phone to the ledger, in Debian's chromium."""

import io

import pytest
from openpyxl import load_workbook
from PIL import Image

from shequ.areas.models import Area
from shequ.testing.browser import CHROMIUM_ARGS
from shequ.testing.browser import login as browser_login

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def photo_file(tmp_path, name):
    path = tmp_path / name
    Image.new("RGB", (320, 240), (90, 120, 160)).save(path, "JPEG")
    return str(path)


def test_resident_reports_grid_worker_handles_community_closes_resident_rates(
    demo, live_url, chromium_path, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    grid = Area.objects.filter(kind="grid", path__contains="/150784001012/").order_by("path").first()
    assert grid is not None and grid.geometry is not None
    ring = grid.geometry["coordinates"][0]
    lon, lat = (ring[0][0] + ring[1][0]) / 2, (ring[0][1] + ring[2][1]) / 2

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True)

        def login(username):
            browser_login(page, live_url, username)

        def logout():
            page.click("button.link")
            page.wait_for_url(f"{live_url}/login/")

        def act(action, note="", photo=None, **choices):
            page.select_option("#action", action)
            if note:
                page.fill("form.act textarea[name=note]", note)
            if photo:
                page.set_input_files("form.act input[name=photos]", photo)
            for name, value in choices.items():
                if name == "resolved":
                    page.check(f"form.act input[name=resolved][value='{value}']")
                else:
                    if name in ("level",):
                        page.click("form.act summary")
                    page.select_option(f"form.act select[name={name}]", value)
            page.click("form.act button[type=submit]")
            page.wait_for_load_state()

        # 1. The resident reports a blocked drain with a photo and a pin.
        login("pingan_resident")
        page.goto(f"{live_url}/problems/new/")
        page.select_option("#category", "blocked_drain")
        page.fill("textarea[name=description]", "2单元门口下水道堵塞，污水漫到路面")
        page.evaluate(
            "([lat, lon]) => document.getElementById('pick-map')._leafletMap"
            ".fire('click', {latlng: L.latLng(lat, lon)})",
            [lat, lon],
        )
        expect(page.locator("#pin-text")).to_contain_text("已标注")
        page.set_input_files("input[name=photos]", photo_file(tmp_path, "drain.jpg"))
        page.click("#report-form button[type=submit]")
        page.wait_for_url("**/problems/*/")
        problem_url = page.url
        expect(page.locator("#status")).to_have_text("已上报")
        number = page.locator("h1 small").inner_text()
        logout()

        # 2. Community staff accept it, see the pin on the map, and send it to the grid.
        login("pingan_staff")
        page.goto(f"{live_url}/problems/map/?area=150784001012")
        assert f'"id": {problem_url.rstrip("/").split("/")[-1]}' in page.content()
        expect(page.locator("#problem-map canvas").first).to_be_visible()  # grids and pins, drawn on a canvas
        page.goto(problem_url)
        act("accept")
        expect(page.locator("#status")).to_have_text("已立案")
        act("dispatch", note="小区内可以解决，交网格处理", level="estate")
        expect(page.locator("#status")).to_have_text("已派遣")
        logout()

        # 3. The grid worker handles it and reports back with a proof photo.
        login("pingan_grid")
        page.goto(f"{live_url}/problems/inbox/")
        page.get_by_role("link", name=number).click()
        act("start")
        expect(page.locator("#status")).to_have_text("处置中")
        act("report_back", note="已疏通管道并清理路面", photo=photo_file(tmp_path, "after.jpg"))
        expect(page.locator("#status")).to_have_text("已反馈")
        expect(page.locator("img.thumb")).to_have_count(1)
        logout()

        # 4. The secretary verifies and closes it.
        login("pingan_secretary")
        page.goto(problem_url)
        act("verify_pass")
        expect(page.locator("#status")).to_have_text("已结案")
        logout()

        # 5. The resident rates it.
        login("pingan_resident")
        page.goto(problem_url)
        act("evaluate", resolved="1", satisfaction="5")
        expect(page.locator("#status")).to_have_text("已回访")
        page.screenshot(path="var/browser-problem.png", full_page=True)
        logout()

        # 6. The ledger export holds the row.
        login("pingan_secretary")
        page.goto(f"{live_url}/problems/ledgers/?area=150784001012")
        expect(page.locator("table")).to_contain_text(number)
        with page.expect_download() as download:
            page.click("text=导出 Excel")
        book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
        numbers = [row[0] for row in book["物业管理"].iter_rows(min_row=3, values_only=True)]
        assert number in numbers
        browser.close()
