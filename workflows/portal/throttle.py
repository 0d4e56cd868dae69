"""Login throttling: failures are counted per login name and client address in the cache; after
PORTAL_LOGIN_MAX_FAILURES the pair is locked for PORTAL_LOGIN_LOCKOUT_SECONDS. Works across processes with Redis."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()[:32]
    return f"portal:login-failures:{digest}"


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def login_locked(*, username: str, address: str) -> bool:
    return cache.get(_key(username, address), 0) >= settings.PORTAL_LOGIN_MAX_FAILURES


def login_failed(*, username: str, address: str) -> int:
    key = _key(username, address)
    if cache.add(key, 1, timeout=settings.PORTAL_LOGIN_LOCKOUT_SECONDS):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.PORTAL_LOGIN_LOCKOUT_SECONDS)
        count = 1
    if count >= settings.PORTAL_LOGIN_MAX_FAILURES:
        cache.touch(key, settings.PORTAL_LOGIN_LOCKOUT_SECONDS)
    return count


def login_succeeded(*, username: str, address: str) -> None:
    cache.delete(_key(username, address))
