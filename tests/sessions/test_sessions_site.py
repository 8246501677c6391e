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
from helpers.sessions import RUN_SITE_PASSWORD as PASSWORD
from helpers.sessions import SessionClient

import pytest
import re
import requests
import time


pytestmark = pytest.mark.slow

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
BIG = 64 * MIB
CHUNK = 8 * MIB
UPLOAD_FILE = re.compile(r"^[0-9a-f]{32}\.data$")


def staged_data_files(site) -> list:
    return [
        path for path in site.directory.rglob("*.data") if UPLOAD_FILE.match(path.name)
    ]


def folder_items(site) -> list[str]:
    response = site.admin.get(f"{site.url}/release")
    return sorted(item["@id"].rsplit("/", 1)[-1] for item in response.json()["items"])


@pytest.fixture
def run_site(sessions_site):
    return sessions_site


@pytest.fixture
def expiring(sessions_site):
    return sessions_site.expiring


def test_a_batch_end_to_end(run_site, expiring, tmp_path):
    carl = SessionClient(f"{run_site.url}/release", ("carl", PASSWORD))
    dora = SessionClient(f"{run_site.url}/release", ("dora", PASSWORD))
    opened = carl.open("release 1.0")
    assert opened.status_code == 201, opened.text
    session = opened.json()
    # Dora joins by name.
    joined = dora.open("release 1.0")
    assert joined.status_code == 409
    assert joined.headers["Location"] == session["links"]["session"]
    session = dora.get(joined.headers["Location"]).json()

    # Carl: one file by http-post-bytes.
    small = b"release notes\n" * 3000
    carl.add(session, "notes.txt", small)

    # Dora: 64 MiB by tus, in chunks, one PATCH cut mid-body, then resumed.
    source = make_source(tmp_path / "big.bin", BIG)
    big = source.read_bytes()
    declared = dora.declare(session, "big.bin", big, mechanism="vnd-tusupload-tus-v1")
    assert declared.status_code == 201, declared.text
    url = declared.json()["mechanism"]["file_url"]
    offset = 0
    for _ in range(3):
        response = dora.http.patch(
            url,
            data=big[offset : offset + CHUNK],
            headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
            timeout=120,
        )
        assert response.status_code == 204, response.text
        offset += CHUNK
    cut_patch(url, source, offset=offset, send=5 * MIB + 123, auth=("dora", PASSWORD))
    offset = settled_offset(url, auth=("dora", PASSWORD))
    assert 3 * CHUNK <= offset <= 3 * CHUNK + 5 * MIB + 123
    while offset < BIG:
        response = dora.http.patch(
            url,
            data=big[offset : offset + CHUNK],
            headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)},
            timeout=120,
        )
        assert response.status_code == 204, response.text
        offset = int(response.headers["Upload-Offset"])
    assert dora.complete(declared.json()).status_code == 201

    # A hash mismatch is refused at complete.
    wrong = carl.post(
        session["links"]["upload"],
        {
            "filename": "wrong.bin",
            "size": 1000,
            "hashes": {"sha256": sha256(b"not these bytes")},
            "mechanism": "http-post-bytes",
        },
    ).json()
    assert carl.send_bytes(wrong, b"y" * 1000).status_code == 200
    refused = carl.complete(wrong)
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert carl.delete(wrong["links"]["file-upload-session"]).status_code == 204

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
    published = carl.publish(session)
    assert published.status_code == 201, published.text
    assert folder_items(run_site) == ["big.bin", "notes.txt"]
    assert sha256_of_url(
        f"{run_site.url}/release/big.bin/@@download/file", run_site.auth
    ) == sha256(big)
    assert dora.publish(session).status_code == 409
    assert requests.get(session["links"]["stage"], timeout=30).status_code == 404


def test_cancel_removes_every_staged_byte(run_site, expiring):
    carl = SessionClient(f"{run_site.url}/release", ("carl", PASSWORD))
    session = carl.open("to be canceled").json()
    before = set(staged_data_files(run_site))
    carl.add(session, "a.bin", b"a" * 100_000)
    carl.declare(session, "b.bin", b"b" * 100_000)
    assert len(set(staged_data_files(run_site)) - before) == 2
    assert carl.delete(session["links"]["session"]).status_code == 204
    assert set(staged_data_files(run_site)) - before == set()
    assert carl.status(session)["status"] == "canceled"


def test_expired_session_is_swept(run_site, expiring):
    carl = SessionClient(f"{run_site.url}/release", ("carl", PASSWORD))
    session = expiring["session"]
    assert carl.get(session["links"]["session"]).status_code == 200
    assert len(staged_data_files(run_site)) >= 1
    time.sleep(max(0.0, expiring["made"] + 62 - time.monotonic()))
    swept = run_site.admin.post(f"{run_site.url}/@tusupload-cleanup")
    assert swept.status_code == 200, swept.text
    assert swept.json()["expired_sessions"] >= 1
    assert carl.get(session["links"]["session"]).status_code == 404
    assert staged_data_files(run_site) == []
