"""Grants: the host's word that a request's credentials may append to an upload.

A host that authenticates requests the slow way (Zope: traversal, PAS,
security checks, a transaction) can record on an upload that it accepted
these credentials for it. A light front (:mod:`..adapters.lane`) may then
append further chunks for a request that carries the *same* credentials,
without the host, until the grant ages out. It never finishes an upload:
the request that completes one goes to the host again.

A grant is an HMAC of the credentials (the ``Authorization`` header, or
the session cookies) under a key the host keeps secret (Plone: its
keyring), so the upload directory never holds anything a password can be
guessed back from.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import CookieError
from http.cookies import SimpleCookie

import hashlib
import hmac


#: Cookies that carry a login: Plone's session and plone.restapi's JWT.
CREDENTIAL_COOKIES = ("__ac", "auth_token")

#: Seconds a grant is good for; the next request after that goes to the host.
GRANT_TTL = 900.0

#: Key of the grant in ``UploadInfo.extra``.
EXTRA_KEY = "grant"


def credentials_of(authorization: str | None, cookies: Mapping[str, str]) -> bytes:
    """The request's credentials as bytes; empty if it carries none we know.

    :param authorization: the ``Authorization`` header, if any.
    :param cookies: the request's cookies by name.
    """
    if authorization:
        return b"authorization\0" + authorization.encode("utf-8", "surrogateescape")
    parts = [
        f"{name}={cookies[name]}".encode("utf-8", "surrogateescape")
        for name in CREDENTIAL_COOKIES
        if cookies.get(name)
    ]
    if not parts:
        return b""
    return b"cookies\0" + b"\0".join(parts)


def cookies_of(header: str | None) -> dict[str, str]:
    """Parse a ``Cookie`` header; a malformed one counts as no cookies."""
    if not header:
        return {}
    jar = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def signature(key: bytes, credentials: bytes) -> str:
    """The HMAC-SHA256 of ``credentials`` under ``key``, as hex."""
    return hmac.new(key, credentials, hashlib.sha256).hexdigest()


def make_grant(key: bytes, credentials: bytes, now: float) -> dict | None:
    """A grant for ``credentials`` made at ``now``; None without credentials."""
    if not key or not credentials:
        return None
    return {"signature": signature(key, credentials), "at": now}


def needs_renewal(
    grant: object, key: bytes, credentials: bytes, now: float, ttl: float = GRANT_TTL
) -> bool:
    """Whether the host should record a new grant (none, other credentials, old)."""
    if not credentials or not key:
        return False
    return not allows(grant, key, credentials, now, ttl=ttl / 2)


def allows(
    grant: object, key: bytes, credentials: bytes, now: float, ttl: float = GRANT_TTL
) -> bool:
    """Whether ``grant`` covers these credentials at ``now``."""
    if not key or not credentials or not isinstance(grant, Mapping):
        return False
    granted_at = grant.get("at")
    expected = grant.get("signature")
    if not isinstance(granted_at, (int, float)) or not isinstance(expected, str):
        return False
    if not 0 <= now - granted_at <= ttl:
        return False
    return hmac.compare_digest(expected, signature(key, credentials))
