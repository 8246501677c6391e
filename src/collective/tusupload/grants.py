"""Plone's grants for the upload lane (see :mod:`.adapters.lane`).

When Zope has authenticated a request for an upload (its creation, or a
chunk the lane could not take), the upload records a grant for that
request's credentials, signed with the site's keyring secret. The lane then
appends further chunks sent with the same credentials without publishing
them through Zope, until the grant ages; the chunk that completes an
upload, and so makes the content, always goes through Zope.
"""

from __future__ import annotations

from collective.tusupload.core import grants
from collective.tusupload.core.info import UploadInfo
from plone.keyring.interfaces import IKeyManager
from zope.component import queryUtility

import logging
import time


logger = logging.getLogger("collective.tusupload")


def grant_key() -> bytes:
    """The site's keyring secret as the grants' key; empty without a keyring."""
    manager = queryUtility(IKeyManager)
    if manager is None:
        return b""
    try:
        secret = manager.secret()
    except (KeyError, IndexError, TypeError):  # an empty or missing ring
        return b""
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret or b"")


def request_credentials(request) -> bytes:
    """The credentials of a Zope request, as the lane reads them from WSGI."""
    # Zope moves the Authorization header out of the environment into _auth.
    authorization = getattr(request, "_auth", None) or request.getHeader(
        "Authorization"
    )
    environ = getattr(request, "environ", {}) or {}
    return grants.credentials_of(
        authorization, grants.cookies_of(environ.get("HTTP_COOKIE"))
    )


def record_grant(request, info: UploadInfo, now: float | None = None) -> None:
    """Grant ``request``'s credentials on ``info`` unless a fresh grant has them."""
    now = time.time() if now is None else now
    key = grant_key()
    credentials = request_credentials(request)
    if grants.needs_renewal(info.extra.get(grants.EXTRA_KEY), key, credentials, now):
        info.extra[grants.EXTRA_KEY] = grants.make_grant(key, credentials, now)
