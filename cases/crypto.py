"""Personal numbers at rest: AES-256-GCM under the keys in settings.PERSONAL_DATA_KEYS, looked up by an HMAC-SHA256
of the normalised number under settings.PERSONAL_DATA_LOOKUP_KEY (docs/architecture.md, "Personal data").

A stored value reads `pd1:<key id>:<base64 of nonce + ciphertext + tag>`. The key id is the first 8 hex digits of
the key's SHA-256, so a value names the key that opens it and rotation needs no bookkeeping: the first key encrypts,
every listed key decrypts.
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "pd1"
NONCE_BYTES = 12


class PersonalDataKeyError(Exception):
    """A stored value names a key that is not configured, or fails authentication under it."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@functools.lru_cache(maxsize=8)
def _ciphers(keys: tuple[bytes, ...]) -> tuple[str, dict[str, AESGCM]]:
    by_id = {key_id(key): AESGCM(key) for key in keys}
    return key_id(keys[0]), by_id


def _keyring() -> tuple[str, dict[str, AESGCM]]:
    return _ciphers(tuple(settings.PERSONAL_DATA_KEYS))


def current_key_id() -> str:
    return _keyring()[0]


def is_ciphertext(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def encrypt(plaintext: str) -> str:
    current, ciphers = _keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ciphers[current].encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"{PREFIX}:{current}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def token_key_id(token: str) -> str:
    prefix, kid, _body = token.split(":", 2)
    if prefix != PREFIX:
        raise PersonalDataKeyError("not an encrypted personal data value")
    return kid


def decrypt(token: str) -> str:
    try:
        prefix, kid, body = token.split(":", 2)
    except ValueError:
        raise PersonalDataKeyError("not an encrypted personal data value") from None
    cipher = _keyring()[1].get(kid)
    if prefix != PREFIX or cipher is None:
        raise PersonalDataKeyError(f"no configured personal data key has id {kid!r} (PERSONAL_DATA_KEYS)")
    raw = base64.b64decode(body)
    try:
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")
    except InvalidTag:
        raise PersonalDataKeyError(f"a value under key {kid!r} fails authentication") from None


def normalise(value: str) -> str:
    """What a lookup compares: no spaces, capital X (citizen IDs), digits as written."""
    return "".join(value.split()).upper()


def lookup_digest(value: str | None) -> str | None:
    """The keyed hash a number is found and kept unique by; None for no number."""
    if not value or not normalise(value):
        return None
    return hmac.new(settings.PERSONAL_DATA_LOOKUP_KEY, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()
