"""Shared pieces of the browser tests (Playwright driving Debian's chromium)."""

from __future__ import annotations

from typing import Any

from shequ.demo.generator import DEMO_PASSWORD

# No sandbox as root, and no background traffic: this machine reaches no outside host.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def login(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.startswith(base) and "/login/" not in url)
