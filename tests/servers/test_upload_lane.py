"""The upload lane on a real ``make run`` site: middle chunks skip Zope, safely.

The site's server (gunicorn, as ``make run`` starts it) has the lane in
front of Zope. These tests prove that it takes only what it may: chunks of
an upload sent with the credentials Zope accepted for it, never the
completing chunk, and that every other request still gets Zope's answer.
"""

from base64 import b64encode

import hashlib
import os
import pytest
import re
import requests
import socket
import time
import urllib.parse


pytestmark = pytest.mark.slow

tusclient = pytest.importorskip("tusclient.client")

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}
CHUNK = 1024 * 1024
EDITOR = ("lane-editor", "lane-editor-secret-42")


def basic(user: str, password: str) -> str:
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def site(run_sites, tmp_path_factory):
    site = run_sites(tmp_path_factory.mktemp("lane")).start()
    response = requests.post(
        f"{site.url}/@users",
        json={
            "username": EDITOR[0],
            "email": "lane-editor@example.org",
            "password": EDITOR[1],
            "roles": ["Contributor"],
        },
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    yield site
    site.stop()


def create(site, length: int, auth, filename="lane.bin") -> str:
    response = requests.post(
        f"{site.url}/@tus-upload",
        headers={
            **TUS,
            "Authorization": auth,
            "Upload-Length": str(length),
            "Upload-Metadata": "filename " + b64encode(filename.encode()).decode(),
        },
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def patch(url: str, data: bytes, offset: int, **headers) -> requests.Response:
    return requests.patch(
        url,
        data=data,
        headers={**OCTETS, "Upload-Offset": str(offset), **headers},
        timeout=60,
    )


def offset_of(url: str, auth) -> int:
    head = requests.head(url, headers={**TUS, "Authorization": auth}, timeout=60)
    assert head.status_code == 200
    return int(head.headers["Upload-Offset"])


def test_middle_chunks_take_the_lane_and_the_last_makes_the_content(site):
    admin = basic(*site.auth)
    data = os.urandom(3 * CHUNK + 7)
    url = create(site, len(data), admin)
    lanes = []
    for offset in range(0, len(data), CHUNK):
        reply = patch(url, data[offset : offset + CHUNK], offset, Authorization=admin)
        assert reply.status_code == 204, reply.text
        lanes.append(reply.headers.get("Tus-Upload-Lane"))
    # Three middle chunks by the lane; the completing one through Zope.
    assert lanes == ["direct", "direct", "direct", None]
    content_url = reply.headers["Location"]
    got = requests.get(f"{content_url}/@@download/file", auth=site.auth, timeout=60)
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest()
    # A finished upload still answers HEAD (through Zope).
    assert offset_of(url, admin) == len(data)


def test_other_credentials_get_zopes_answer_and_change_nothing(site):
    admin = basic(*site.auth)
    url = create(site, 3 * CHUNK, admin)
    chunk = os.urandom(CHUNK)
    # Someone else (a valid user): not their upload.
    other = patch(url, chunk, 0, Authorization=basic(*EDITOR))
    assert other.status_code == 404
    assert "Tus-Upload-Lane" not in other.headers
    # No credentials at all: Zope asks for them (or hides the upload).
    anonymous = patch(url, chunk, 0)
    assert anonymous.status_code in (401, 404)
    # A wrong password for the right user.
    wrong = patch(url, chunk, 0, Authorization=basic(site.auth[0], "wrong"))
    assert wrong.status_code in (401, 404)
    assert offset_of(url, admin) == 0
    # Another origin: Zope, not the lane, answers (CORS is Zope's); for the
    # owner's credentials that is the chunk stored.
    cross = patch(url, chunk, 0, Authorization=admin, Origin="http://evil.example")
    assert cross.status_code == 204
    assert "Tus-Upload-Lane" not in cross.headers
    assert offset_of(url, admin) == CHUNK


def test_an_editors_upload_with_tuspy(site, tmp_path):
    source = tmp_path / "editor.bin"
    source.write_bytes(os.urandom(4 * CHUNK + 3))
    client = tusclient.TusClient(
        f"{site.url}/@tus-upload", headers={"Authorization": basic(*EDITOR)}
    )
    uploader = client.uploader(
        str(source), chunk_size=CHUNK, metadata={"filename": "editor.bin"}
    )
    uploader.upload()
    assert uploader.offset == source.stat().st_size
    listing = requests.get(
        f"{site.url}/@search",
        params={"portal_type": "File", "id": "editor.bin"},
        auth=site.auth,
        headers={"Accept": "application/json"},
        timeout=60,
    ).json()
    assert listing["items_total"] == 1
    url = listing["items"][0]["@id"]
    got = requests.get(f"{url}/@@download/file", auth=site.auth, timeout=60)
    assert got.content == source.read_bytes()


def test_a_browser_session_cookie_takes_the_lane(site):
    session = requests.Session()
    login = session.post(
        f"{site.url}/login",
        data={
            "__ac_name": EDITOR[0],
            "__ac_password": EDITOR[1],
            "buttons.login": "Log in",
            "came_from": "",
        },
        timeout=60,
    )
    assert "__ac" in session.cookies, login.status_code
    page = session.get(f"{site.url}/@@upload-files", timeout=60)
    assert page.status_code == 200
    token = re.search(r'data-csrf-token="([^"]+)"', page.text)
    assert token, "the upload page carries a CSRF token"
    csrf = {"X-CSRF-TOKEN": token.group(1)}
    origin = site.url.rsplit("/", 1)[0]
    created = session.post(
        f"{site.url}/@tus-upload",
        headers={
            **TUS,
            **csrf,
            "Origin": origin,
            "Upload-Length": str(2 * CHUNK),
            "Upload-Metadata": "filename " + b64encode(b"cookie.bin").decode(),
        },
        timeout=60,
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    first = session.patch(
        url,
        data=os.urandom(CHUNK),
        headers={**OCTETS, "Upload-Offset": "0", "Origin": origin},
        timeout=60,
    )
    assert first.status_code == 204, first.text
    assert first.headers.get("Tus-Upload-Lane") == "direct"
    last = session.patch(
        url,
        data=os.urandom(CHUNK),
        headers={**OCTETS, **csrf, "Upload-Offset": str(CHUNK), "Origin": origin},
        timeout=60,
    )
    assert last.status_code == 204, last.text
    assert "Tus-Upload-Lane" not in last.headers


def test_a_middle_chunk_cut_by_the_network_keeps_what_arrived(site):
    """The lane keeps the bytes of a broken PATCH as Zope's path does."""
    admin = basic(*site.auth)
    data = os.urandom(8 * CHUNK)
    url = create(site, len(data), admin, filename="cut.bin")
    parts = urllib.parse.urlsplit(url)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Authorization: {admin}\r\nUpload-Offset: 0\r\n"
        f"Content-Length: {4 * CHUNK}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(head.encode() + data[: 2 * CHUNK])
        time.sleep(0.5)
    deadline = time.monotonic() + 30
    while True:  # the server notices the cut, stores what it read, lets go
        offset = offset_of(url, admin)
        if offset >= CHUNK or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert CHUNK <= offset <= 2 * CHUNK
    rest = patch(url, data[offset : 4 * CHUNK], offset, Authorization=admin)
    assert rest.status_code == 204, rest.text
    assert rest.headers.get("Tus-Upload-Lane") == "direct"
    last = patch(url, data[4 * CHUNK :], 4 * CHUNK, Authorization=admin)
    assert last.status_code == 204, last.text
    got = requests.get(
        f"{last.headers['Location']}/@@download/file", auth=site.auth, timeout=60
    )
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest()
