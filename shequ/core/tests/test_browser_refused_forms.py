"""forms.js in Debian's chromium: on a refused form the fields named in its messages are
marked aria-invalid, tied to the message, and the first one has the focus."""

import pytest
from django.contrib.auth import get_user_model

from shequ.people.models import Household
from shequ.testing.browser import CHROMIUM_ARGS, login

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def test_a_refused_form_marks_its_fields_and_focuses_the_first(demo, live_url, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    worker = get_user_model().objects.get(username="longtanyuan_grid")
    household = Household.objects.visible_to(worker, "visit.record").order_by("id").first()
    assert household is not None

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN")
        login(page, live_url, "longtanyuan_grid")
        # The message box at the top names the field (a service's ValidationFailed).
        page.goto(f"{live_url}/households/{household.pk}/visits/new/")
        page.fill("input[name=people_met]", "户主")
        page.fill("textarea[name=situation]", "独居，腿脚不便")
        page.fill("input[name=follow_up_on]", "2020-01-01")
        page.click("main form button[type=submit]")
        expect(page.locator(".error[role=alert]")).to_contain_text("回访日期不能早于走访日期")
        field = page.locator("input[name=follow_up_on]")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_be_focused()
        box_id = page.locator(".error[role=alert]").get_attribute("id")
        assert box_id and box_id in (field.get_attribute("aria-describedby") or "")
        expect(page.locator("input[name=people_met]")).not_to_have_attribute("aria-invalid", "true")
        # A message beside its field (the report form): that field, not the first one.
        page.goto(f"{live_url}/problems/new/")
        page.select_option("select[name=category]", index=1)
        page.fill("textarea[name=description]", "堵")
        page.click("#report-form button[type=submit]")
        description = page.locator("textarea[name=description]")
        expect(description).to_have_attribute("aria-invalid", "true")
        expect(description).to_be_focused()
        expect(page.locator("select[name=category]")).not_to_have_attribute("aria-invalid", "true")
        browser.close()


def test_a_report_form_returned_with_its_pin_still_moves_the_pin(demo, live_url, chromium_path):
    """The returned form placed its pin before report.js had found the category select:
    the script stopped there, a tap on the map no longer moved the pin, and the problem
    was filed where the first tap had been."""
    from playwright.sync_api import expect, sync_playwright

    from shequ.areas.models import Area

    grids = list(Area.objects.filter(kind="grid", path__contains="/500111003001/").order_by("path")[:2])
    assert len(grids) == 2 and all(g.geometry for g in grids)

    def inside(grid):
        ring = grid.geometry["coordinates"][0]
        xs, ys = [pt[0] for pt in ring], [pt[1] for pt in ring]
        return (min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2  # lat, lon of its box

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(page, live_url, "longtanyuan_resident")
        page.goto(f"{live_url}/problems/new/")

        def tap(lat, lon):
            page.evaluate(
                "([lat, lon]) => document.getElementById('pick-map')._leafletMap"
                ".fire('click', {latlng: L.latLng(lat, lon)})",
                [lat, lon],
            )

        page.select_option("select[name=category]", "garbage")
        page.fill("textarea[name=description]", "满了")
        tap(*inside(grids[0]))
        page.click("#report-form button[type=submit]")
        expect(page.locator("textarea[name=description]")).to_have_attribute("aria-invalid", "true")
        lat, lon = inside(grids[1])
        tap(lat, lon)
        expect(page.locator("#pin-text")).to_have_text(f"已标注：{lon:.6f}, {lat:.6f}")
        assert page.input_value("#lat") == f"{lat:.6f}"
        assert errors == []
        browser.close()
