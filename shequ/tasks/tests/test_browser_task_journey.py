"""A light bulb, from the task board to a bag of rice at the door, in Debian's chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from shequ.areas.models import Area
from shequ.testing.browser import CHROMIUM_ARGS
from shequ.testing.browser import login as browser_login

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def test_resident_claims_proves_grid_worker_accepts_resident_redeems_rice_delivered(
    demo, live_url, chromium_path, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    grid = (
        Area.objects.filter(kind="grid", path__startswith="/500111003/500111003001/").order_by("path").first()
    )
    assert grid is not None
    photo = tmp_path / "bulb.jpg"
    Image.new("RGB", (320, 240), (250, 240, 120)).save(photo, "JPEG")
    deadline = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")

        def login(username):
            browser_login(page, live_url, username)

        def logout():
            page.click("button.link")
            page.wait_for_url(f"{live_url}/login/")

        # 0. Community staff publish the task in the grid.
        login("longtanyuan_staff")
        page.goto(f"{live_url}/tasks/new/")
        page.fill("input[name=title]", "更换楼道灯泡")
        page.fill("textarea[name=description]", "1单元3楼楼道灯泡坏了，晚上看不见台阶")
        page.select_option("select[name=category]", "replace_bulb")
        page.select_option("select[name=difficulty]", "easy")
        page.fill("input[name=places]", "1")
        page.fill("input[name=deadline]", deadline)
        page.select_option("select[name=area]", grid.code)
        page.click("#task-form button[type=submit]")
        page.wait_for_url("**/tasks/*/")
        task_url = page.url
        expect(page.locator("#status")).to_have_text("已发布")
        logout()

        # 1. The resident claims it and uploads a proof photo.
        login("longtanyuan_resident")
        page.goto(f"{live_url}/tasks/")
        expect(page.locator("#held")).to_contain_text("个进行中的任务")
        # The board's filter swaps the page's main part once (it nested a second <main>)
        # and keeps the choice in the address, so a reload keeps it.
        page.select_option("form.filters select[name=category]", "replace_bulb")
        page.wait_for_url("**/tasks/?*category=replace_bulb*")
        assert page.locator("main").count() == 1
        page.goto(task_url)
        page.click("form.claim button[type=submit]")
        page.wait_for_url("**/tasks/claims/*/")
        claim_url = page.url
        expect(page.locator("#status")).to_have_text("已接单")
        # 撤回接单 can be seen on the page (it was white on white, like the header's 退出).
        withdraw = page.locator("form.withdraw button")
        assert withdraw.evaluate("b => getComputedStyle(b).color") != "rgb(255, 255, 255)"
        page.set_input_files("form.proof input[name=files]", str(photo))
        # A long link in the note breaks on the phone's screen instead of widening the page.
        link = "https://pan.baidu.com/s/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789?pwd=abcd"
        page.fill("form.proof textarea[name=note]", f"已换上新灯泡，灯亮了，视频见{link}")
        page.click("form.proof button[type=submit]")
        expect(page.locator("#status")).to_have_text("待验收")
        expect(page.locator("img.thumb")).to_have_count(1)
        expect(page.locator("body")).to_contain_text(link)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        logout()

        # 2. The grid worker accepts it from the queue.
        login("longtanyuan_grid")
        page.goto(f"{live_url}/tasks/queue/")
        page.locator(f"a[href^='{claim_url.removeprefix(live_url)}?queue=']").click()
        page.click("form.accept button[type=submit]")
        page.wait_for_url("**/tasks/queue/?page=1&done=*")  # back to the list, told what was done
        expect(page.locator("#done")).to_contain_text("已验收")
        logout()

        # 3. The resident sees the points and redeems a bag of rice.
        login("longtanyuan_resident")
        page.goto(f"{live_url}/points/")
        expect(page.locator("table")).to_contain_text("完成任务：更换楼道灯泡")
        page.goto(f"{live_url}/points/store/")
        page.locator("li.item", has_text="大米 5kg").locator("button[type=submit]").click()
        page.wait_for_url("**/points/orders/*/")
        order_url = page.url
        expect(page.locator("#status")).to_have_text("已下单")
        logout()

        # 4. Staff pack and ship it.
        login("longtanyuan_staff")
        page.goto(order_url)
        page.click("#act-pack button[type=submit]")
        expect(page.locator("#status")).to_have_text("已备货")
        page.fill("#act-ship input[name=courier]", "中国邮政")
        page.fill("#act-ship input[name=tracking_no]", "9800012340001")
        page.click("#act-ship button[type=submit]")
        expect(page.locator("#status")).to_have_text("已发货")
        logout()

        # 5. The resident receives it and confirms: delivered.
        login("longtanyuan_resident")
        page.goto(f"{live_url}/points/orders/")
        page.goto(order_url)
        expect(page.locator("#tracking")).to_contain_text("9800012340001")
        page.click("#act-deliver button[type=submit]")
        expect(page.locator("#status")).to_have_text("已送达")
        page.screenshot(path="var/browser-task.png", full_page=True)
        browser.close()
