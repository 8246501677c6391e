"""A functional site with a folder, and session clients of its users."""

from helpers.plone_tus import PASSWORD
from helpers.sessions import RUN_SITE_PASSWORD
from helpers.sessions import SessionClient

import pytest
import requests
import time


@pytest.fixture
def folder_url(site):
    return f"{site.absolute_url()}/inbox"


@pytest.fixture
def alice(folder_url):
    return SessionClient(folder_url, ("alice", PASSWORD))


@pytest.fixture
def bob(folder_url):
    return SessionClient(folder_url, ("bob", PASSWORD))


@pytest.fixture(scope="session")
def sessions_site(run_sites, tmp_path_factory):
    """``make run``'s site for the end-to-end and docs tests of sessions.

    A folder ``release`` where the Contributors ``carl`` and ``dora`` may
    add content, and a session that expires 60 s after the start, made
    first so that the docs and end-to-end tests use part of its minute
    (``site.expiring``: its JSON and when it was made).
    """
    site = run_sites(tmp_path_factory.mktemp("sessions-site"))
    site.start()
    admin = requests.Session()
    admin.auth = site.auth
    admin.headers["Accept"] = "application/json"
    created = admin.post(
        site.url, json={"@type": "Folder", "id": "release", "title": "Release"}
    )
    assert created.status_code == 201, created.text
    for user in ("carl", "dora"):
        response = admin.post(
            f"{site.url}/@users",
            json={
                "username": user,
                "email": f"{user}@example.org",
                "password": RUN_SITE_PASSWORD,
                "roles": ["Member"],
            },
        )
        assert response.status_code == 201, response.text
    shared = admin.post(
        f"{site.url}/release/@sharing",
        json={
            "entries": [
                {"id": user, "type": "user", "roles": {"Contributor": True}}
                for user in ("carl", "dora")
            ]
        },
    )
    assert shared.status_code == 204, shared.text
    site.admin = admin
    set_record(site, "session_expiry", 60)
    carl = SessionClient(f"{site.url}/release", ("carl", RUN_SITE_PASSWORD))
    session = carl.open("expiring").json()
    carl.add(session, "soon-gone.bin", b"x" * 5000)
    site.expiring = {"session": session, "made": time.monotonic()}
    set_record(site, "session_expiry", 604800)
    yield site
    site.stop()


def set_record(site, name: str, value) -> None:
    response = site.admin.patch(
        f"{site.url}/@registry", json={f"collective.tusupload.{name}": value}
    )
    assert response.status_code == 204, response.text
