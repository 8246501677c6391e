"""Plone records upload lane grants only for credentials Zope surely used.

The lane itself is not in front of this test server (plone.testing's
waitress): these tests read what Zope wrote on the upload.
"""

from collective.tusupload.core import grants
from collective.tusupload.core.compose import file_backend
from collective.tusupload.grants import grant_key
from plone_tus import client_for
from plone_tus import cookie_login
from plone_tus import PASSWORD
from zope.component.hooks import setSite

import base64
import pytest


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def grant_of(upload_dir, url: str):
    store = file_backend(str(upload_dir)).store
    return store.get_info(url.rsplit("/", 1)[1]).extra.get(grants.EXTRA_KEY)


@pytest.fixture
def key(site):
    setSite(site)
    return grant_key()


def test_creation_grants_the_basic_auth_header(site, key, alice, upload_dir):
    created = alice.create(10, filename="a.txt")
    assert created.status_code == 201, created.text
    grant = grant_of(upload_dir, created.headers["Location"])
    credentials = grants.credentials_of(basic("alice", PASSWORD), None)
    assert grants.allows(grant, key, credentials, grant["at"])


def test_a_session_cookie_is_granted_with_the_header_it_came_with(
    site, key, endpoint, upload_dir
):
    cookie, token = cookie_login(site, "alice")
    # A header that names someone else (a proxy's shared basic auth) beside
    # the user's own session cookie: Zope logs alice in by the cookie.
    shared = basic("staging", "shared")
    client = client_for(
        endpoint,
        None,
        headers={
            "Cookie": f"__ac={cookie}",
            "X-CSRF-TOKEN": token,
            "Authorization": shared,
        },
    )
    created = client.create(10, filename="b.txt")
    assert created.status_code == 201, created.text
    assert grant_of(upload_dir, created.headers["Location"]) is None
    # The cookie alone: granted, for the cookie.
    client = client_for(
        endpoint, None, headers={"Cookie": f"__ac={cookie}", "X-CSRF-TOKEN": token}
    )
    created = client.create(10, filename="c.txt")
    assert created.status_code == 201, created.text
    grant = grant_of(upload_dir, created.headers["Location"])
    credentials = grants.credentials_of(None, f"__ac={cookie}")
    assert grants.allows(grant, key, credentials, grant["at"])


def test_no_grant_for_a_request_with_a_query_string(site, key, alice, upload_dir):
    created = alice.create(10, url=f"{alice.endpoint}?via=query", filename="q.txt")
    assert created.status_code == 201, created.text
    assert grant_of(upload_dir, created.headers["Location"]) is None


def test_a_chunk_through_zope_with_other_credentials_renews_the_grant(
    site, key, alice, endpoint, upload_dir
):
    created = alice.create(10, filename="r.txt")
    url = created.headers["Location"]
    first = grant_of(upload_dir, url)
    cookie, token = cookie_login(site, "alice")
    same_user = client_for(
        endpoint, None, headers={"Cookie": f"__ac={cookie}", "X-CSRF-TOKEN": token}
    )
    assert same_user.patch(url, b"abcd", 0).status_code == 204
    second = grant_of(upload_dir, url)
    assert second != first
    credentials = grants.credentials_of(None, f"__ac={cookie}")
    assert grants.allows(second, key, credentials, second["at"])
