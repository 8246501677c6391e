"""Plone's grants for the upload lane (see :mod:`.adapters.lane`).

When Zope has authenticated a request for an upload (its creation, or a
chunk the lane could not take), the upload records a grant for that
request's credentials, signed with a key derived from the site's keyring
secret. The lane then appends further chunks sent with the same credentials
without publishing them through Zope, until the grant ages; the chunk that
completes an upload, and so makes the content, always goes through Zope.

No grant is made when the request's credentials may not be the ones Zope
used: a query string (Plone reads ``__ac`` there too), or an
``Authorization`` header that names someone other than the authenticated
user (a proxy's shared basic auth, say, beside the user's session cookie).
"""

from __future__ import annotations

from AccessControl.SecurityManagement import getSecurityManager
from collective.tusupload.core import grants
from collective.tusupload.core.info import UploadInfo
from plone.keyring.interfaces import IKeyManager
from zope.component import queryUtility

import time


def grant_key() -> bytes:
    """The grants' key, from the site's keyring secret; empty without one."""
    manager = queryUtility(IKeyManager)
    if manager is None:
        return b""
    try:
        secret = manager.secret()
    except (KeyError, IndexError, TypeError):  # an empty or missing ring
        return b""
    return grants.derive_key(secret or b"")


def _authorization(request) -> str | None:
    # Zope moves the Authorization header out of the environment into _auth.
    return getattr(request, "_auth", None) or request.getHeader("Authorization")


def request_credentials(request) -> bytes:
    """The credentials of a Zope request, as the lane reads them from WSGI."""
    environ = getattr(request, "environ", None) or {}
    return grants.credentials_of(_authorization(request), environ.get("HTTP_COOKIE"))


def may_grant(request) -> bool:
    """Whether the request's credentials are surely the ones Zope used."""
    environ = getattr(request, "environ", None) or {}
    if environ.get("QUERY_STRING"):
        return False
    authorization = _authorization(request)
    if not authorization:
        return True
    user = getSecurityManager().getUser()
    names = {user.getId(), user.getUserName()} - {None}
    return grants.authorization_user(authorization) in names


def record_grant(request, info: UploadInfo, now: float | None = None) -> None:
    """Grant ``request``'s credentials on ``info`` unless a fresh grant has them."""
    if not may_grant(request):
        return
    now = time.time() if now is None else now
    key = grant_key()
    credentials = request_credentials(request)
    if grants.needs_renewal(info.extra.get(grants.EXTRA_KEY), key, credentials, now):
        info.extra[grants.EXTRA_KEY] = grants.make_grant(key, credentials, now)
