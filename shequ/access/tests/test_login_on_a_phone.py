"""A grid worker signing in on a phone typed "pingan_grid"; the phone's keyboard made
it "Pingan_grid" (a text box starts a sentence with a capital) and autocorrect may change
the rest. Usernames are matched exactly, so the sign-in failed and counted toward the
lockout. The username box now tells the keyboard to leave the name as typed."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_username_box_is_not_capitalised_or_corrected_by_a_phone_keyboard(world):
    body = Client().get("/login/").content.decode()
    box = re.search(r"<input name=\"username\"[^>]*>", body)
    assert box is not None
    assert 'autocapitalize="none"' in box.group(0)
    assert 'autocorrect="off"' in box.group(0)
    assert 'spellcheck="false"' in box.group(0)


def test_a_refused_sign_in_keeps_the_boxs_settings_and_the_name(world):
    r = Client().post("/login/", {"username": "nobody_here", "password": "wrong-password"})
    box = re.search(r"<input name=\"username\"[^>]*>", r.content.decode())
    assert box is not None
    assert 'autocapitalize="none"' in box.group(0) and 'value="nobody_here"' in box.group(0)
