"""Test clients."""

import json
from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    """A test client logged in as ``user``."""
    c = Client()
    c.force_login(user)
    return c


def send_json(client: Client, method: str, url: str, body: Any) -> Any:
    """``body`` sent as JSON with ``method`` (POST, PUT, PATCH…)."""
    return client.generic(method, url, json.dumps(body), content_type="application/json")
