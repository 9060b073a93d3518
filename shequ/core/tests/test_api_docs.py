"""The API's documentation page: served from the project's own static files."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_docs_page_loads_swagger_from_the_projects_own_static_files(world):
    """/api/v1/docs was blank: it loaded Swagger UI from cdn.jsdelivr.net, which the
    content security policy blocks (and an intranet cannot reach)."""
    c = Client()
    r = c.get("/api/v1/docs")
    html = r.content.decode()
    assert r.status_code == 200 and "cdn." not in html and "//" not in html.replace("://", "")
    # Every script and style it names is one of ours, and is served.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= set(assets)
    for url in assets:
        assert url.startswith("/static/"), url
        assert c.get(url).status_code == 200, url
    # No inline script (the policy allows only files): the settings are a JSON data block.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('src="' in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    assert "script-src 'self';" in r.headers["Content-Security-Policy"]


@pytest.mark.browser
def test_the_docs_page_draws_the_operations_in_a_browser(world, live_url, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    from shequ.testing.browser import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{live_url}/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("社区 Shequ API")
        expect(page.locator(".opblock-summary-path").first).to_be_visible()
        browser.close()
    assert refused == []
