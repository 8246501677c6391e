"""Plone on its default server (``make run``'s front): access is checked now.

Every append is authorised by Zope when it arrives, and a long body again
every ``recheck_after`` seconds (RECHECK_AFTER=1 here); nothing Zope
decided is cached. So access taken away in Plone stops the next byte at
once (issue 19: the upload lane took bytes for 14 minutes after a user was
deleted). Also: paths that are not UTF-8 get 400/404, never a 500.
"""

from base64 import b64encode

import pytest
import requests
import socket
import threading
import time


pytestmark = pytest.mark.slow

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}
ADMIN_PASSWORD = "admin-secret"
PASSWORD = "alice-secret-1"


@pytest.fixture(scope="module")
def site(run_sites, tmp_path_factory):
    site = run_sites(
        tmp_path_factory.mktemp("front-plone"),
        admin_password=ADMIN_PASSWORD,
        env={"RECHECK_AFTER": "1"},
    )
    site.start()
    yield site
    site.stop()


@pytest.fixture
def alice(site):
    """A Contributor; removed again after the test."""
    admin = requests.Session()
    admin.auth = site.auth
    admin.headers["Accept"] = "application/json"
    user = f"alice{time.monotonic_ns()}"
    created = admin.post(
        f"{site.url}/@users",
        json={
            "username": user,
            "email": f"{user}@example.org",
            "password": PASSWORD,
            "roles": ["Contributor"],
        },
    )
    assert created.status_code == 201, created.text
    session = requests.Session()
    session.auth = (user, PASSWORD)
    session.user = user
    session.admin = admin
    yield session
    admin.delete(f"{site.url}/@users/{user}")


def create(site, session, length: int) -> str:
    reply = session.post(
        f"{site.url}/@tus-upload",
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": "filename " + b64encode(b"a.bin").decode(),
        },
    )
    assert reply.status_code == 201, reply.text
    return reply.headers["Location"]


def append(session, url: str, data: bytes, offset: int) -> requests.Response:
    return session.patch(
        url, data=data, headers={**TUS, **OCTETS, "Upload-Offset": str(offset)}
    )


def test_a_deleted_user_can_append_no_byte_more(site, alice):
    url = create(site, alice, 3000)
    assert append(alice, url, b"a" * 1000, 0).status_code == 204
    deleted = alice.admin.delete(f"{site.url}/@users/{alice.user}")
    assert deleted.status_code == 204
    refused = append(alice, url, b"b" * 1000, 1000)
    assert refused.status_code in (401, 404), refused.text
    # ... and the upload went with the account.
    assert alice.admin.head(url, headers=TUS).status_code == 404


def test_a_removed_role_stops_the_next_chunk(site, alice):
    url = create(site, alice, 3000)
    assert append(alice, url, b"a" * 1000, 0).status_code == 204
    changed = alice.admin.patch(
        f"{site.url}/@users/{alice.user}", json={"roles": {"Contributor": False}}
    )
    assert changed.status_code == 204, changed.text
    refused = append(alice, url, b"b" * 1000, 1000)
    assert refused.status_code == 403, refused.text


def test_a_changed_password_stops_the_next_chunk(site, alice):
    url = create(site, alice, 3000)
    assert append(alice, url, b"a" * 1000, 0).status_code == 204
    changed = alice.admin.patch(
        f"{site.url}/@users/{alice.user}", json={"password": "another-secret-2"}
    )
    assert changed.status_code == 204, changed.text
    # The old password no longer authenticates: an anonymous request, and
    # anonymous callers are not shown the upload.
    refused = append(alice, url, b"b" * 1000, 1000)
    assert refused.status_code in (401, 404), refused.text
    alice.auth = (alice.user, "another-secret-2")
    assert alice.head(url, headers=TUS).headers["Upload-Offset"] == "1000"


def test_a_long_body_is_cut_once_the_role_is_removed(site, alice):
    """A PATCH that streams on is authorised again every second."""
    length = 64 << 20
    url = create(site, alice, length)
    token = b64encode(f"{alice.user}:{PASSWORD}".encode()).decode()
    head = (
        f"PATCH /{url.split('/', 3)[3]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {token}\r\nTus-Resumable: 1.0.0\r\n"
        "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    sent = [0]
    reply = []

    def dribble(sock):
        try:
            while True:
                sock.sendall(b"d" * 65536)
                sent[0] += 65536
                time.sleep(0.05)
        except OSError:
            return

    with socket.create_connection(("127.0.0.1", site.port), timeout=30) as sock:
        sock.sendall(head)
        sender = threading.Thread(target=dribble, args=(sock,), daemon=True)
        sender.start()
        time.sleep(2.5)
        removed_at = time.monotonic()
        before = sent[0]
        changed = alice.admin.patch(
            f"{site.url}/@users/{alice.user}", json={"roles": {"Contributor": False}}
        )
        assert changed.status_code == 204
        data = b""
        while b"\r\n\r\n" not in data:
            block = sock.recv(65536)
            if not block:
                break
            data += block
        reply.append(data)
        cut_after = time.monotonic() - removed_at
    assert reply[0].startswith(b"HTTP/1.1 403"), reply[0][:300]
    assert b"Connection: close" in reply[0]
    # Refused at the next authorisation (every second here), not after the
    # default 60 s; the bound leaves room for a busy machine.
    assert cut_after < 10
    alice.admin.patch(
        f"{site.url}/@users/{alice.user}", json={"roles": {"Contributor": True}}
    )
    kept = int(alice.head(url, headers=TUS).headers["Upload-Offset"])
    # Kept: what arrived while it was authorised, nothing of the last second.
    assert 0 < kept <= before + (2 << 20)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/Plone/%ff", 400), ("/Plone/%c3%28/x", 400), ("/Plone/@tus-upload/%ff", 404)],
)
def test_paths_that_are_not_utf8_get_4xx_never_500(site, path, status):
    url = f"http://127.0.0.1:{site.port}{path}"
    reply = requests.get(url)
    assert reply.status_code == status
    assert reply.text == "the path is not valid UTF-8\n"
    head = requests.head(url)
    assert (head.status_code, head.content) == (status, b"")
