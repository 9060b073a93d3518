"""Encryption of personal data at rest, and keyed hashes for exact lookup.

Values are sealed with AES-256-GCM under a key derived from ``SHEQU_FIELD_KEY``; the
field name is bound in as associated data, so a ciphertext moved to another column does
not open. The lookup hash is HMAC-SHA256 under a second derived key: equal inputs give
equal hashes (so ``WHERE id_number_hash = ?`` finds a person) while the hash alone does
not reveal the number to someone without the key. See docs/decisions/0002-personal-data.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shequ.core.errors import DomainError

VERSION = "v1"
LABELS = {"id_number": "身份证号", "phone": "联系电话", "permit_number": "居住证号"}


class Undecryptable(DomainError):
    """A stored value does not open under the configured key: the database was written
    with another SHEQU_FIELD_KEY, or the value was damaged. 409, not 500, so the page or
    form that asked says so (htmx swaps 409) instead of an error page."""

    status = 409

    def __init__(self, field: str) -> None:
        label = LABELS.get(field, field)
        super().__init__(
            "field_key_mismatch",
            f"无法读取完整的{label}：数据库中的密文与当前的字段加密密钥（SHEQU_FIELD_KEY）不符，"
            "请联系系统管理员",
        )


def _master(master_b64: str) -> bytes:
    if master_b64:
        try:
            master = base64.b64decode(master_b64, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured("SHEQU_FIELD_KEY is not valid base64") from exc
        if len(master) != 32:
            raise ImproperlyConfigured("SHEQU_FIELD_KEY must be 32 bytes (44 base64 characters)")
    else:
        # Development and tests only; settings refuse to start production without a key.
        master = hashlib.sha256(b"shequ-development-field-key").digest()
    return master


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@lru_cache(maxsize=4)
def _keys(master_b64: str) -> tuple[AESGCM, bytes]:
    master = _master(master_b64)
    return AESGCM(_derive(master, b"shequ field encryption")), _derive(master, b"shequ lookup hash")


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.FIELD_KEY)


def encrypt(value: str, field: str) -> str:
    if not value:
        return ""
    aead, _ = _current()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, value.encode("utf-8"), field.encode("ascii"))
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, field: str) -> str:
    if not token:
        return ""
    version, _, body = token.partition(":")
    if version != VERSION:
        raise ValueError(f"unknown ciphertext version {version!r}")
    raw = base64.b64decode(body)
    aead, _ = _current()
    try:
        return aead.decrypt(raw[:12], raw[12:], field.encode("ascii")).decode("utf-8")
    except InvalidTag as exc:
        raise Undecryptable(field) from exc


def lookup_hash(value: str, field: str) -> str:
    """Keyed hash of a normalised value, for exact-match search; "" for no value."""
    if not value:
        return ""
    _, key = _current()
    return hmac.new(key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()


def configured_keys() -> tuple[str, ...]:
    """The keys this process may read with, current first. One until key rotation adds
    the keys being retired."""
    return (settings.FIELD_KEY,)


def check_value(master_b64: str) -> str:
    """HMAC of a fixed text under a key derived for this alone: stored in the database,
    it tells whether a key is the one the data was written with (core/keycheck.py),
    and reveals nothing of the key or of any stored value."""
    key = _derive(_master(master_b64), b"shequ field key check")
    return hmac.new(key, b"shequ field key check v1", hashlib.sha256).hexdigest()


def generate_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")
