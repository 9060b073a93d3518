"""Production sends cookies over HTTPS only: a login at http:// failed with "页面已过期，
刷新后重新提交", which no refresh could fix."""

import logging

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(CSRF_COOKIE_SECURE=True, SESSION_COOKIE_SECURE=True)
def test_a_form_sent_over_plain_http_says_https_is_needed(caplog):
    with caplog.at_level(logging.WARNING, logger="shequ.core.errorpages"):
        r = Client(enforce_csrf_checks=True).post("/login/", {"username": "wang", "password": "x"})
    body = r.content.decode()
    assert r.status_code == 403 and "本系统必须通过 HTTPS 访问" in body and "页面已过期" not in body
    assert "SHEQU_PROXY_HTTPS" in caplog.text and "HTTPS" in caplog.text


@override_settings(CSRF_COOKIE_SECURE=True, SESSION_COOKIE_SECURE=True)
def test_a_stale_form_over_https_is_still_called_expired():
    r = Client(enforce_csrf_checks=True).post("/login/", {"username": "wang"}, secure=True)
    body = r.content.decode()
    assert r.status_code == 403 and "页面已过期" in body and "HTTPS" not in body
