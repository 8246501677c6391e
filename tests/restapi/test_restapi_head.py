"""HEAD under the endpoints: never a body, never a change.

Each check sends HEAD and then another request on the same kept-alive
connection: a HEAD reply that carried a body would be read as the next
reply's status line.
"""

from base64 import b64encode
from helpers.plone_tus import OCTETS
from helpers.plone_tus import PASSWORD
from helpers.plone_tus import TUS
from urllib.parse import urlsplit

import http.client
import pytest
import socket
import transaction


def basic(user: str) -> dict:
    token = b64encode(f"{user}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def raw_body_after_head(url: str, headers: dict) -> tuple[int, bytes]:
    """Status of a HEAD and the bytes that followed its headers on the socket."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        lines = [f"HEAD {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, rest = received.partition(b"\r\n\r\n")
        sock.settimeout(0.5)
        try:
            while chunk := sock.recv(65536):
                rest += chunk
        except TimeoutError:
            pass
    status = int(head.split(b" ", 2)[1])
    return status, rest


def head_then_options(url: str, headers: dict, endpoint: str) -> int:
    """HEAD ``url``, then OPTIONS on the same connection; the HEAD's status."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("HEAD", parts.path, headers=headers)
        response = connection.getresponse()
        response.read()  # nothing, for a HEAD
        status = response.status
        connection.request("OPTIONS", urlsplit(endpoint).path, headers=headers)
        follow = connection.getresponse()
        follow.read()
        assert follow.status == 204
        return status
    finally:
        connection.close()


@pytest.fixture
def private_upload(site, alice):
    """An upload of alice's in a folder only its owner may see."""
    folder = site["docs"]
    folder.manage_setLocalRoles("alice", ["Owner", "Contributor"])
    folder.manage_permission("View", ["Manager", "Owner"], acquire=0)
    folder.manage_permission("Access contents information", ["Manager", "Owner"], 0)
    transaction.commit()
    created = alice.create(100, filename="secret.bin")
    assert created.status_code == 201, created.text
    return created.headers["Location"]


@pytest.mark.parametrize("user", [None, "bob"])
def test_refused_head_has_no_body(private_upload, user):
    headers = {**TUS, **(basic(user) if user else {})}
    status, rest = raw_body_after_head(private_upload, headers)
    assert status in (401, 404)
    assert rest == b""


def test_traversal_error_head_has_no_body(endpoint):
    headers = {**TUS, **basic("alice")}
    status, rest = raw_body_after_head(f"{endpoint}/..%2F..%2Fetc%2Fpasswd", headers)
    assert status == 404
    assert rest == b""


@pytest.mark.parametrize(
    "path", ["0123456789abcdef0123456789abcdef", "not-an-id", "a/b"]
)
def test_head_on_unknown_uploads_keeps_the_connection_usable(endpoint, path):
    headers = {**TUS, **basic("alice")}
    assert head_then_options(f"{endpoint}/{path}", headers, endpoint) == 404


def test_head_on_a_live_upload_keeps_the_connection_usable(alice, endpoint):
    url = alice.create(10, filename="a.bin").headers["Location"]
    headers = {**TUS, **basic("alice")}
    assert head_then_options(url, headers, endpoint) == 200
    status, rest = raw_body_after_head(url, headers)
    assert (status, rest) == (200, b"")


def test_head_on_a_finished_upload_has_no_body(alice, endpoint, folder_url):
    url = alice.create(4, filename="done.bin").headers["Location"]
    assert alice.patch(url, b"data", 0).status_code == 204
    headers = {**TUS, **basic("alice")}
    status, rest = raw_body_after_head(url, headers)
    assert (status, rest) == (200, b"")
    head = alice.head(url)
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == "4"
    assert head.headers["Content-Location"] == f"{folder_url}/done.bin"
    assert head.headers["Cache-Control"] == "no-store"


def test_replayed_final_patch_answers_with_the_same_content(site, alice, folder_url):
    url = alice.create(8, filename="once.bin").headers["Location"]
    alice.patch(url, b"abcd", 0)
    first = alice.patch(url, b"efgh", 4)
    assert first.status_code == 204
    # The client lost that reply: it sends the last chunk again, or an
    # empty PATCH at the end.
    for offset, chunk in ((4, b"efgh"), (8, b"")):
        again = alice.patch(url, chunk, offset)
        assert again.status_code == 204
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["Upload-Offset"] == "8"
    transaction.begin()
    assert sorted(site["docs"].objectIds()) == ["once.bin", "report"]


def test_head_on_an_unfinished_concatenation_changes_nothing(site, alice):
    partial = alice.create(4, headers={"Upload-Concat": "partial"}).headers["Location"]
    other = alice.create(4, headers={"Upload-Concat": "partial"}).headers["Location"]
    alice.patch(partial, b"abcd", 0)
    final = alice.create(
        headers={"Upload-Concat": f"final;{partial} {other}"}, filename="joined.bin"
    ).headers["Location"]
    # The last partial's bytes arrive through a request that is not a
    # PATCH of ours: only HEADs are sent now, and they must not assemble.
    for _ in range(3):
        head = alice.head(final)
        assert head.status_code == 200
        assert "Upload-Offset" not in head.headers
    transaction.begin()
    assert "joined.bin" not in site["docs"].objectIds()
    response = alice.patch(other, b"efgh", 0, headers={"Content-Type": OCTETS})
    assert response.status_code == 204
    transaction.begin()
    assert "joined.bin" in site["docs"].objectIds()
