"""Test clients."""

from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    """A test client logged in as ``user``."""
    c = Client()
    c.force_login(user)
    return c
