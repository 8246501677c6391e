"""Helpers of the REST tests: a tus client on ``requests``, users, downloads."""

from base64 import b64encode
from helpers.tus_js import run_js
from io import BytesIO
from PIL import Image
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.protect.authenticator import createToken
from ZPublisher.HTTPResponse import HTTPResponse

import requests
import transaction


PASSWORD = "secret-password-1"
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
PREFER = {"Prefer": "return=representation"}
#: The editor the browser tests log in as (login name, password).
EDITOR = ("editor", "editor-secret-42")
USERS = {
    "alice": ["Contributor"],
    "bob": ["Contributor"],
    "reader": ["Reader"],
    "boss": ["Manager"],
}


def metadata(**values) -> str:
    """An Upload-Metadata header value (keys may use '_' for '-')."""
    return ",".join(
        f"{key.replace('_', '-')} {b64encode(value.encode()).decode()}"
        for key, value in values.items()
    )


class Client:
    """A ``requests`` session speaking tus to one endpoint as one user."""

    def __init__(self, endpoint: str, auth=None, headers=None) -> None:
        self.endpoint = endpoint
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update(TUS)
        self.session.headers.update(headers or {})

    def options(self, url=None, **kwargs):
        return self.session.options(url or self.endpoint, timeout=30, **kwargs)

    def create(self, length=None, *, url=None, data=None, headers=None, **meta):
        values = dict(headers or {})
        if length is not None:
            values["Upload-Length"] = str(length)
        if meta:
            values["Upload-Metadata"] = metadata(**meta)
        if data is not None:
            values["Content-Type"] = OCTETS
        return self.session.post(
            url or self.endpoint, headers=values, data=data, timeout=30
        )

    def head(self, url, **kwargs):
        return self.session.head(url, timeout=30, **kwargs)

    def patch(self, url, data, offset, headers=None):
        values = {"Content-Type": OCTETS, "Upload-Offset": str(offset)}
        values.update(headers or {})
        return self.session.patch(url, data=data, headers=values, timeout=60)

    def delete(self, url, **kwargs):
        return self.session.delete(url, timeout=30, **kwargs)

    def upload(self, payload: bytes, *, chunk=None, representation=True, **meta):
        """Create and send ``payload``; return the last response.

        :param representation: ask for the content's JSON in the final reply
            (``Prefer: return=representation``: 200 with a body, not 204).
        """
        created = self.create(len(payload), **meta)
        assert created.status_code == 201, created.text
        url = created.headers["Location"]
        chunk = chunk or len(payload) or 1
        response = created
        for offset in range(0, len(payload), chunk):
            last = offset + chunk >= len(payload)
            headers = PREFER if last and representation else None
            response = self.patch(
                url, payload[offset : offset + chunk], offset, headers=headers
            )
            assert response.status_code in (200, 204), response.text
        return response


def client_for(endpoint, user, **kwargs):
    if user is None:
        return Client(endpoint, **kwargs)
    if user == SITE_OWNER_NAME:
        return Client(endpoint, auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD), **kwargs)
    return Client(endpoint, auth=(user, PASSWORD), **kwargs)


def download(url, auth=("alice", PASSWORD), field="file") -> bytes:
    """The bytes of a File (``field="file"``) or Image (``"image"``)."""
    response = requests.get(f"{url}/@@download/{field}", auth=auth, timeout=60)
    assert response.status_code == 200, response.status_code
    return response.content


def objects_in(portal, path="docs"):
    """Ids in a folder, as the server committed them."""
    transaction.begin()
    return sorted(portal.unrestrictedTraverse(path).objectIds())


def png_bytes(size=(40, 30)):
    """A small red PNG."""
    buffer = BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def cookie_login(portal, user: str) -> tuple[str, str]:
    """Plone's session cookie (``__ac``) for ``user``, and a CSRF token of theirs."""
    response = HTTPResponse()
    portal.acl_users.session._setupSession(user, response)
    cookie = response.cookies["__ac"]["value"]
    if isinstance(cookie, bytes):
        cookie = cookie.decode()
    login(portal, user)
    token = createToken()
    logout()
    transaction.commit()
    return cookie, token


def upload_with_js(options, timeout=120, *, representation=True):
    """Run tus-js-client as alice; ``representation``: ask for the content's JSON.

    :returns: the driver's events; fails unless it exits 0.
    """
    basic = "Basic " + b64encode(f"alice:{PASSWORD}".encode()).decode()
    headers = {"Authorization": basic}
    if representation:
        headers["Prefer"] = "return=representation"
    return run_js({"headers": headers, **options}, timeout=timeout, check=True)
