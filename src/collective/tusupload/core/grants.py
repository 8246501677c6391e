"""Grants: the host's word that a request's credentials may append to an upload.

A host that authenticates requests the slow way (Zope: traversal, PAS,
security checks, a transaction) can record on an upload that it accepted
these credentials for it. A light front (:mod:`..adapters.lane`) may then
append further chunks for a request that carries the *same* credentials,
without the host, until the grant ages out. It never finishes an upload:
the request that completes one goes to the host again.

The credentials are everything a login can travel in besides the URL: the
``Authorization`` header *and* the login cookies, together, so that a
header the host ignored (say a proxy's shared basic auth) never stands in
for the cookie it used. A cookie named twice makes a request carry no
credentials here (servers disagree on which one counts). A grant is an HMAC
of the credentials under a key derived from a secret of the host (Plone:
its keyring), so the upload directory never holds anything a password can
be guessed back from.
"""

from __future__ import annotations

from collections.abc import Mapping

import base64
import binascii
import hashlib
import hmac
import json


#: Cookies that carry a login: Plone's session and plone.restapi's JWT.
CREDENTIAL_COOKIES = ("__ac", "auth_token")

#: Seconds a grant is good for; the next request after that goes to the host.
GRANT_TTL = 900.0

#: Key of the grant in ``UploadInfo.extra``.
EXTRA_KEY = "grant"

_PURPOSE = b"collective.tusupload upload lane grant"


def derive_key(secret: str | bytes) -> bytes:
    """The grants' key, derived from a host secret that serves other ends too."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        return b""
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def credential_cookies(header: str | None) -> dict[str, str] | None:
    """The login cookies of a ``Cookie`` header; None if one is named twice.

    Only :data:`CREDENTIAL_COOKIES` are read; other cookies, however odd,
    don't matter.
    """
    found: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in CREDENTIAL_COOKIES:
            continue
        if name in found:
            return None
        found[name] = value.strip()
    return found


def credentials_of(authorization: str | None, cookie_header: str | None) -> bytes:
    """The request's credentials as bytes; empty if none, or ambiguous.

    :param authorization: the ``Authorization`` header, if any.
    :param cookie_header: the ``Cookie`` header, if any.
    """
    cookies = credential_cookies(cookie_header)
    if cookies is None:
        return b""
    if not authorization and not cookies:
        return b""
    parts = [b"authorization=" + (authorization or "").encode("utf-8", "replace")]
    parts += [
        f"{name}={cookies.get(name, '')}".encode("utf-8", "replace")
        for name in CREDENTIAL_COOKIES
    ]
    return b"\0".join(parts)


def authorization_user(authorization: str | None) -> str | None:
    """Whom an ``Authorization`` header names: a Basic user, a JWT's ``sub``.

    Unverified: for telling whether the header belongs to the user the host
    authenticated. None for other schemes or what can't be decoded.
    """
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    try:
        if scheme.lower() == "basic":
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
            user, sep, _ = decoded.partition(":")
            return user if sep else None
        if scheme.lower() == "bearer":
            payload = value.split(".")[1]
            padded = payload + "=" * (-len(payload) % 4)
            claims = json.loads(base64.urlsafe_b64decode(padded))
            subject = claims.get("sub") if isinstance(claims, dict) else None
            return subject if isinstance(subject, str) else None
    except (ValueError, IndexError, UnicodeDecodeError, binascii.Error):
        return None
    return None


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
