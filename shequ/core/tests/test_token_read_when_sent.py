"""The signed-out notice says: sign in again in a new window, then send this page's form
as it is. Signing in gives the browser a new CSRF token, so the page's own token was
refused (页面已过期) and the report typed on it was not saved. csrf.js sends the
cookie's token instead, read when the form or the htmx request goes."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from shequ.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[1] / "static" / "shequ" / "csrf.js"

# A page's document as far as csrf.js reads it: its cookie and its listeners.
HARNESS = """
const listeners = {};
global.document = {
  cookie: "sessionid=abc; csrftoken=NEW%2Btoken; other=1",
  addEventListener: function (name, fn) { listeners[name] = fn; },
};
eval(require("fs").readFileSync(process.argv[1], "utf8"));
const input = { value: "OLD" };
const form = {
  querySelectorAll: function (s) { return s === 'input[name="csrfmiddlewaretoken"]' ? [input] : []; },
};
listeners["submit"]({ target: form });
const detail = { headers: { "X-CSRFToken": "OLD" } };
listeners["htmx:configRequest"]({ detail: detail });
console.log(JSON.stringify({ form: input.value, header: detail.headers["X-CSRFToken"] }));
"""


def _token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _sign_in(c: Client, username: str) -> None:
    token = _token(c.get("/login/").content.decode())
    r = c.post("/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert r.status_code == 302


def test_every_page_loads_the_script(world):
    c = Client()
    c.force_login(world.resident_wang)
    assert "/static/shequ/csrf.js" in c.get("/problems/new/").content.decode()
    assert "/static/shequ/csrf.js" in Client().get("/login/").content.decode()


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_a_form_and_an_htmx_request_send_the_cookies_token():
    # Given a page loaded with the token OLD, and the browser's cookie now NEW+token
    # When a form is sent, and an htmx request is made
    command = [str(NODE), "-e", HARNESS, str(SCRIPT)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30)  # noqa: S603 - our own script
    # Then both carry the cookie's token
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"form": "NEW+token", "header": "NEW+token"}


def test_a_report_typed_before_signing_in_again_is_saved_with_the_cookies_token(world):
    # Given a resident on the report form, whose session then ends
    c = Client(enforce_csrf_checks=True)
    _sign_in(c, world.resident_wang.username)
    old = _token(c.get("/problems/new/").content.decode())
    c.cookies.pop("sessionid")
    # When they sign in again (in a new window: the same browser's cookies)
    _sign_in(c, world.resident_wang.username)
    report = {"category": "", "description": "楼道灯坏了很久了，晚上看不见路"}
    # Then the page's own token is refused, as before
    assert c.post("/problems/new/", {**report, "csrfmiddlewaretoken": old}).status_code == 403
    # and the cookie's, which csrf.js sends, is taken: the form is read (its own message)
    r = c.post("/problems/new/", {**report, "csrfmiddlewaretoken": c.cookies["csrftoken"].value})
    assert r.status_code == 400 and "页面已过期" not in r.content.decode()
