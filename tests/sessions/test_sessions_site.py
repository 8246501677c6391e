"""Upload sessions end to end against ``make run``'s site (the front server).

Two users join one session by name; files arrive by ``http-post-bytes`` and
by tus (64 MiB in chunks, one PATCH cut mid-body and resumed); a hash
mismatch is refused at complete; the preview works without login and its
downloads are byte-identical; the folder is empty before the publish and
complete after; a second publish is 409; cancel removes every staged byte;
an expired session is swept.
"""

from helpers.cut import cut_patch
from helpers.cut import make_source
from helpers.cut import MIB
from helpers.cut import settled_offset
from helpers.cut import sha256_of_url
from helpers.digests import sha256
from helpers.sessions import SessionClient

import pytest
import re
import requests
import time


pytestmark = pytest.mark.slow

PASSWORD = "session-secret-1"
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
BIG = 64 * MIB
CHUNK = 8 * MIB
UPLOAD_FILE = re.compile(r"^[0-9a-f]{32}\.data$")


@pytest.fixture(scope="module")
def run_site(run_sites, tmp_path_factory):
    site = run_sites(tmp_path_factory.mktemp("sessions-site"))
    site.start()
    admin = requests.Session()
    admin.auth = site.auth
    admin.headers["Accept"] = "application/json"
    created = admin.post(
        site.url, json={"@type": "Folder", "id": "release", "title": "Release"}
    )
    assert created.status_code == 201, created.text
    for user in ("ann", "ben"):
        response = admin.post(
            f"{site.url}/@users",
            json={
                "username": user,
                "email": f"{user}@example.org",
                "password": PASSWORD,
                "roles": ["Member"],
            },
        )
        assert response.status_code == 201, response.text
    shared = admin.post(
        f"{site.url}/release/@sharing",
        json={
            "entries": [
                {"id": user, "type": "user", "roles": {"Contributor": True}}
                for user in ("ann", "ben")
            ]
        },
    )
    assert shared.status_code == 204, shared.text
    site.admin = admin
    yield site
    site.stop()


def staged_data_files(site) -> list:
    return [
        path for path in site.directory.rglob("*.data") if UPLOAD_FILE.match(path.name)
    ]


def set_record(site, name: str, value) -> None:
    response = site.admin.patch(
        f"{site.url}/@registry", json={f"collective.tusupload.{name}": value}
    )
    assert response.status_code == 204, response.text


def folder_items(site) -> list[str]:
    response = site.admin.get(f"{site.url}/release")
    return sorted(item["@id"].rsplit("/", 1)[-1] for item in response.json()["items"])


@pytest.fixture(scope="module")
def expiring(run_site):
    """A session made to expire a minute after the module starts."""
    set_record(run_site, "session_expiry", 60)
    ann = SessionClient(f"{run_site.url}/release", ("ann", PASSWORD))
    session = ann.open("expiring").json()
    ann.add(session, "soon-gone.bin", b"x" * 5000)
    set_record(run_site, "session_expiry", 604800)
    return {"session": session, "made": time.monotonic()}


def test_a_batch_end_to_end(run_site, expiring, tmp_path):
    ann = SessionClient(f"{run_site.url}/release", ("ann", PASSWORD))
    ben = SessionClient(f"{run_site.url}/release", ("ben", PASSWORD))
    opened = ann.open("release 1.0")
    assert opened.status_code == 201, opened.text
    session = opened.json()
    # Ben joins by name.
    joined = ben.open("release 1.0")
    assert joined.status_code == 409
    assert joined.headers["Location"] == session["links"]["session"]
    session = ben.get(joined.headers["Location"]).json()

    # Ann: one file by http-post-bytes.
    small = b"release notes\n" * 3000
    ann.add(session, "notes.txt", small)

    # Ben: 64 MiB by tus, in chunks, one PATCH cut mid-body, then resumed.
    source = make_source(tmp_path / "big.bin", BIG)
    big = source.read_bytes()
    declared = ben.declare(session, "big.bin", big, mechanism="vnd-tusupload-tus-v1")
    assert declared.status_code == 201, declared.text
    url = declared.json()["mechanism"]["file_url"]
    offset = 0
    for _ in range(3):
        response = ben.http.patch(
            url,
            data=big[offset : offset + CHUNK],
            headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
            timeout=120,
        )
        assert response.status_code == 204, response.text
        offset += CHUNK
    cut_patch(url, source, offset=offset, send=5 * MIB + 123, auth=("ben", PASSWORD))
    offset = settled_offset(url, auth=("ben", PASSWORD))
    assert 3 * CHUNK <= offset <= 3 * CHUNK + 5 * MIB + 123
    while offset < BIG:
        response = ben.http.patch(
            url,
            data=big[offset : offset + CHUNK],
            headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
            timeout=120,
        )
        assert response.status_code == 204, response.text
        offset = int(response.headers["Upload-Offset"])
    assert ben.complete(declared.json()).status_code == 201

    # A hash mismatch is refused at complete.
    wrong = ann.post(
        session["links"]["upload"],
        {
            "filename": "wrong.bin",
            "size": 1000,
            "hashes": {"sha256": sha256(b"not these bytes")},
            "mechanism": "http-post-bytes",
        },
    ).json()
    assert ann.send_bytes(wrong, b"y" * 1000).status_code == 200
    refused = ann.complete(wrong)
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert ann.delete(wrong["links"]["file-upload-session"]).status_code == 204

    # The preview, without login: byte-identical downloads.
    preview = requests.get(
        session["links"]["stage"], headers={"Accept": "application/json"}, timeout=30
    ).json()
    downloads = {item["filename"]: item["download"] for item in preview["files"]}
    assert sorted(downloads) == ["big.bin", "notes.txt"]
    assert requests.get(downloads["notes.txt"], timeout=30).content == small
    assert sha256_of_url(downloads["big.bin"]) == sha256(big)
    page = requests.get(session["links"]["stage"], timeout=30)
    assert page.status_code == 200 and "big.bin" in page.text

    # Nothing in the folder before the publish, everything after.
    assert folder_items(run_site) == []
    published = ann.publish(session)
    assert published.status_code == 201, published.text
    assert folder_items(run_site) == ["big.bin", "notes.txt"]
    assert sha256_of_url(
        f"{run_site.url}/release/big.bin/@@download/file", run_site.auth
    ) == sha256(big)
    assert ben.publish(session).status_code == 409
    assert requests.get(session["links"]["stage"], timeout=30).status_code == 404


def test_cancel_removes_every_staged_byte(run_site, expiring):
    ann = SessionClient(f"{run_site.url}/release", ("ann", PASSWORD))
    session = ann.open("to be canceled").json()
    before = set(staged_data_files(run_site))
    ann.add(session, "a.bin", b"a" * 100_000)
    ann.declare(session, "b.bin", b"b" * 100_000)
    assert len(set(staged_data_files(run_site)) - before) == 2
    assert ann.delete(session["links"]["session"]).status_code == 204
    assert set(staged_data_files(run_site)) - before == set()
    assert ann.status(session)["status"] == "canceled"


def test_expired_session_is_swept(run_site, expiring):
    ann = SessionClient(f"{run_site.url}/release", ("ann", PASSWORD))
    session = expiring["session"]
    assert ann.get(session["links"]["session"]).status_code == 200
    assert len(staged_data_files(run_site)) >= 1
    time.sleep(max(0.0, expiring["made"] + 62 - time.monotonic()))
    swept = run_site.admin.post(f"{run_site.url}/@tusupload-cleanup")
    assert swept.status_code == 200, swept.text
    assert swept.json()["expired_sessions"] >= 1
    assert ann.get(session["links"]["session"]).status_code == 404
    assert staged_data_files(run_site) == []
