"""Secrets facturo must be able to read back (an administration's SMTP password) are stored
encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from FACTURO_ENCRYPTION_KEY: one or more Fernet keys, comma-separated, newest
first. New values are encrypted with the first; every key in the list can still decrypt,
so rotating is: put a new key in front, run `facturo encryption rotate`, then drop the old
key. Without FACTURO_ENCRYPTION_KEY one key is derived from FACTURO_SECRET_KEY (HKDF), so a
fresh installation needs no extra setting; changing the secret key then means setting
FACTURO_ENCRYPTION_KEY to the old derived key behind the new one (`facturo encryption
derive-key` prints it)."""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["CannotDecrypt", "decrypt", "derived_key", "encrypt", "rotate"]


class CannotDecrypt(Exception):
    """A stored value none of the configured keys opens (the key it was written with is gone)."""


def derived_key(secret_key: str) -> str:
    """The Fernet key facturo derives from a Django secret key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"facturo", info=b"facturo stored secrets v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode()


def configured_keys() -> tuple[str, ...]:
    listed = [k.strip() for k in str(getattr(settings, "FACTURO_ENCRYPTION_KEY", "") or "").split(",") if k.strip()]
    return tuple(listed) if listed else (derived_key(settings.SECRET_KEY),)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FACTURO_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated"
        ) from None


def encrypt(plain: str) -> str:
    """The token to store for `plain`; the empty string stays empty."""
    if not plain:
        return ""
    return _fernet(configured_keys()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(configured_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise CannotDecrypt(
            "a stored secret cannot be decrypted with the keys in FACTURO_ENCRYPTION_KEY "
            "(or derived from FACTURO_SECRET_KEY); enter it again"
        ) from None


def rotate(token: str) -> str:
    """`token` re-encrypted with the first configured key."""
    if not token:
        return ""
    try:
        return _fernet(configured_keys()).rotate(token.encode()).decode()
    except InvalidToken:
        raise CannotDecrypt("a stored secret cannot be decrypted with the configured keys") from None
