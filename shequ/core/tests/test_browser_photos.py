"""photos.js in Debian's chromium: a large photo chosen in a form is sent scaled to the
longest side the server keeps, and a form sent before that is done waits for it."""

import io

import pytest
from PIL import Image

from shequ.testing.browser import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser]


def _page(base: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="shequ-photo-side" content="1280">
<script src="{base}/static/shequ/photos.js"></script></head><body>
<form method="post" action="{base}/photo-sink/" enctype="multipart/form-data">
<label>照片 <input type="file" name="photos" accept="image/jpeg" multiple></label>
<button type="submit">提交</button></form></body></html>"""


def test_a_large_photo_is_sent_scaled_down_and_an_early_submit_waits(live_url, chromium_path, tmp_path):
    from playwright.sync_api import sync_playwright

    big = tmp_path / "IMG_0001.jpg"
    Image.effect_noise((3200, 2400), 60).convert("RGB").save(big, "JPEG", quality=95)
    small = tmp_path / "small.jpg"
    Image.new("RGB", (320, 240), (90, 120, 160)).save(small, "JPEG")
    original = big.stat().st_size
    assert original > 2 * 1024 * 1024

    sent: list[bytes] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{live_url}/login/")  # the same origin as the script

        def sink(route):
            sent.append(route.request.post_data_buffer or b"")
            route.fulfill(body="ok")

        page.route("**/photo-sink/", sink)
        page.set_content(_page(live_url))
        # Chosen and left alone: the large photo is replaced, the small one kept as it was.
        page.set_input_files("input[name=photos]", [str(big), str(small)])
        page.wait_for_function("() => document.querySelector('.photo-shrink').textContent.includes('已压缩')")
        chosen = page.evaluate(
            "() => Array.from(document.querySelector('input').files, f => [f.name, f.type, f.size])"
        )
        kept = ["small.jpg", "image/jpeg", small.stat().st_size]
        assert chosen == [["IMG_0001.jpg", "image/jpeg", chosen[0][2]], kept]
        assert chosen[0][2] < original / 2
        assert "已压缩 1 张照片" in page.inner_text(".photo-shrink")
        # Chosen again and sent at once, while the photo is still being made smaller: the
        # form waits, then goes with the smaller photo. (Chromium leaves files read from
        # disk out of an intercepted request's body, so only the made one is looked at.)
        page.set_input_files("input[name=photos]", [str(big)])
        page.click("button[type=submit]")
        page.wait_for_url("**/photo-sink/")
        browser.close()

    assert len(sent) == 1
    body = sent[0]
    assert b'filename="IMG_0001.jpg"' in body and len(body) < original / 2
    start = body.index(b"\r\n\r\n", body.index(b'filename="IMG_0001.jpg"')) + 4
    end = body.index(b"\r\n--", start)
    with Image.open(io.BytesIO(body[start:end])) as shrunk:
        assert shrunk.format == "JPEG" and shrunk.size == (1280, 960)
