"""The 民情地图's script in Debian's chromium: names typed by staff (a category, a grid)
are shown as text in its tooltips, never run as HTML, and a map without grid boundaries
still opens on its pins."""

import json

import pytest

from shequ.testing.browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser]

HOSTILE = '垃圾<img src=x onerror="window.__ran=1">'


def _page(base: str, grids: dict, points: list) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{base}/static/leaflet/leaflet.css"></head><body>
<div id="problem-map" style="width:600px;height:400px" data-tiles=""></div>
<script id="grid-data" type="application/json">{json.dumps(grids)}</script>
<script id="point-data" type="application/json">{json.dumps(points)}</script>
<script src="{base}/static/leaflet/leaflet.js"></script>
<script src="{base}/static/shequ/problem-map.js"></script></body></html>"""


def test_tooltips_show_typed_names_as_text_and_a_map_without_grids_opens_on_its_pins(live_url, chromium_path):
    from playwright.sync_api import sync_playwright

    pin = {"id": 1, "lon": 110.0, "lat": 30.0, "status": "reported", "category": HOSTILE, "overdue": True}
    no_grids = {"type": "FeatureCollection", "features": []}
    square = [[109.9, 29.9], [110.1, 29.9], [110.1, 30.1], [109.9, 30.1], [109.9, 29.9]]
    grid = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {"code": "g1", "name": HOSTILE, "open": 1, "href": "#"},
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 800, "height": 600})
        page.goto(f"{live_url}/login/")  # the same origin as the scripts
        # No grid has a boundary: the map opens on the pin (zoomed in), not on all of China.
        page.set_content(_page(live_url, no_grids, [pin]))
        page.wait_for_function("() => document.querySelector('#problem-map.leaflet-container')")
        page.mouse.move(8 + 300, 8 + 200)  # the map's centre: the pin, if the map fitted it
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        assert tooltip.inner_text() == HOSTILE and page.evaluate("() => window.__ran") is None
        assert page.locator(".leaflet-tooltip img").count() == 0
        # A grid's name, the same.
        page.set_content(_page(live_url, {"type": "FeatureCollection", "features": [grid]}, []))
        page.wait_for_function("() => document.querySelector('#problem-map.leaflet-container')")
        page.mouse.move(8 + 300, 8 + 200)
        tooltip.wait_for()
        assert tooltip.inner_text().startswith(HOSTILE) and page.evaluate("() => window.__ran") is None
        browser.close()
