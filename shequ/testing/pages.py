"""Reading a page as a browser does: where its forms are sent and where its links lead,
read against the address the page was drawn at (a page drawn in answer to a POST sits at
the address the form was sent to, and a form with no action posts back there)."""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit


def forms(page_url: str, body: str) -> list[tuple[str, str]]:
    """Each POST form of the page: (where a browser sends it, the form's HTML)."""
    found = []
    for form in re.findall(r"<form\b.*?</form>", body, re.S):
        opening = re.match(r"<form\b[^>]*>", form)
        assert opening is not None
        if not re.search(r"\bmethod=\"post\"", opening.group(0), re.I):
            continue
        action = re.search(r"\baction=\"([^\"]*)\"", opening.group(0))
        found.append((urljoin(page_url, unescape(action.group(1))) if action else page_url, form))
    return found


def form_target(page_url: str, body: str, marker: str) -> str:
    """Where a browser sends the form holding ``marker``."""
    return next(target for target, form in forms(page_url, body) if marker in form)


def link(page_url: str, body: str, text: str) -> str:
    """Where the link reading ``text`` leads."""
    href = re.search(r"<a href=\"([^\"]*)\"[^>]*>" + re.escape(text) + "</a>", body)
    assert href is not None, text
    return urljoin(page_url, unescape(href.group(1)))


def path(url: str) -> str:
    return urlsplit(url).path
