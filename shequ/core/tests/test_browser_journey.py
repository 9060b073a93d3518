"""The street admin's journey in Debian's chromium, and the auditor seeing its trace."""

import pytest

from shequ.core import fieldcrypt
from shequ.people.models import Resident
from shequ.testing.browser import CHROMIUM_ARGS, login

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def test_street_admin_finds_and_unmasks_a_resident_and_the_auditor_sees_it(demo, live_url, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    # Everything read from the database is read before the browser's event loop starts.
    target = Resident.objects.filter(area_path__startswith="/150784001/150784001012/").order_by(
        "area_path", "id"
    )[20]
    full_id = fieldcrypt.decrypt(target.id_number_enc, "id_number")
    initials = target.name_initials

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        login(page, live_url, "labudalin_admin")
        expect(page.locator("[data-stat=residents]").first).to_have_text("42140")
        page.screenshot(path="var/browser-dashboard.png", full_page=True)
        page.get_by_role("link", name="平安社区").first.click()
        expect(page.locator("h1")).to_contain_text("平安社区")
        page.get_by_role("link", name="查看居民").click()
        page.fill("#q", initials)
        page.click("form.filters button[type=submit]")
        row_link = page.locator(f'a[href="/residents/{target.pk}/"]')
        expect(row_link).to_be_visible()
        assert full_id not in page.content()
        # The export buttons follow the search (they kept the one the page was loaded with,
        # and exported the whole community, in full, after a search for three people).
        expect(page.locator("#export form.masked-export input[name=q]")).to_have_value(initials)
        # 导出完整信息 too, and once (a <p> box lost its form to the browser's parser).
        expect(page.locator("#export form.unmask input[name=q]")).to_have_value(initials)
        expect(page.get_by_role("button", name="导出完整信息")).to_have_count(1)
        row_link.click()
        expect(page.locator("#value-id_number")).to_have_text(target.id_number_masked)
        form = page.locator("form.unmask").first
        # A refused reason is shown (htmx kept the 400 out of the page, and nothing happened).
        form.locator("input[name=reason]").fill("查")
        form.locator("button").click()
        expect(page.locator("form.unmask .field-error").first).to_contain_text("至少2个字")
        # forms.js on the swapped-in answer: the field is marked and has the focus.
        reason = page.locator("form.unmask input[name=reason]").first
        expect(reason).to_have_attribute("aria-invalid", "true")
        expect(reason).to_be_focused()
        form = page.locator("form.unmask").first
        form.locator("input[name=reason]").fill("核对低保申请材料")
        form.locator("button").click()
        expect(page.locator(".unmasked[data-field=id_number]")).to_have_text(full_id)
        page.screenshot(path="var/browser-unmask.png", full_page=True)
        page.click("button.link")  # 退出

        login(page, live_url, "labudalin_auditor")
        page.goto(f"{live_url}/audit/?event=resident.unmask")
        row = page.locator("tbody tr", has_text="labudalin_admin").first
        expect(row).to_contain_text("查看完整信息")
        expect(row).to_contain_text("核对低保申请材料")
        expect(row).to_contain_text(str(target.pk))
        page.screenshot(path="var/browser-audit.png", full_page=True)
        browser.close()
