"""A session's files through tus 1.0 and the IETF draft; events; replays."""

from collective.tusupload.interfaces import IFileStagedEvent
from helpers.plone_tus import objects_in
from helpers.plone_tus import OCTETS
from helpers.sessions import sha256
from zope.component import getGlobalSiteManager

import pytest
import random


PAYLOAD = random.Random(22).randbytes(300_000)
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def session(alice):
    return alice.open("mechanisms").json()


def test_tus_file_is_a_tus_upload_of_the_declared_length(site, alice, session):
    declared = alice.declare(
        session, "tus.bin", PAYLOAD, mechanism="vnd-tusupload-tus-v1"
    ).json()
    url = declared["mechanism"]["file_url"]
    assert "/@tus-upload/" in url
    head = alice.http.head(url, headers=TUS, timeout=30)
    assert head.status_code == 200
    assert head.headers["Upload-Length"] == str(len(PAYLOAD))
    assert head.headers["Upload-Offset"] == "0"
    first = alice.http.patch(
        url,
        data=PAYLOAD[:100_000],
        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": "0"},
        timeout=30,
    )
    assert first.status_code == 204
    last = alice.http.patch(
        url,
        data=PAYLOAD[100_000:],
        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": "100000"},
        timeout=30,
    )
    assert last.status_code == 204, last.text
    # The finish staged the file: nothing in the folder, the file's link.
    assert last.headers["Location"] == declared["links"]["file-upload-session"]
    assert objects_in(site, "inbox") == []
    # A replay of the last chunk answers the same, and stages nothing twice.
    replay = alice.http.patch(
        url,
        data=PAYLOAD[100_000:],
        headers={**TUS, "Content-Type": OCTETS, "Upload-Offset": "100000"},
        timeout=30,
    )
    assert replay.status_code == 204
    assert replay.headers["Location"] == last.headers["Location"]
    assert alice.complete(declared).status_code == 201
    assert alice.publish(session).status_code == 201
    assert objects_in(site, "inbox") == ["tus.bin"]


def test_ietf_file_in_one_append(site, alice, session):
    declared = alice.declare(
        session, "ietf.bin", PAYLOAD, mechanism="vnd-tusupload-resumable-v1"
    ).json()
    url = declared["mechanism"]["file_url"]
    response = alice.http.patch(
        url,
        data=PAYLOAD,
        headers={
            "Upload-Draft-Interop-Version": "6",
            "Upload-Offset": "0",
            "Upload-Complete": "?1",
            "Content-Type": "application/partial-upload",
        },
        timeout=30,
    )
    assert response.status_code == 204, response.text
    assert alice.complete(declared).status_code == 201


def test_bob_cannot_send_bytes_to_alices_file(alice, bob, session):
    declared = alice.declare(session, "mine.bin", PAYLOAD).json()
    response = bob.send_bytes(declared, PAYLOAD)
    assert response.status_code == 404


def test_body_of_the_wrong_size_is_refused(alice, session):
    declared = alice.declare(session, "short.bin", PAYLOAD).json()
    response = alice.send_bytes(declared, PAYLOAD[:-10])
    assert response.status_code == 400, response.text
    assert alice.send_bytes(declared, PAYLOAD).status_code == 200
    assert alice.complete(declared).status_code == 201


def test_empty_file_is_staged_at_declaration(site, alice, session):
    declared = alice.post(
        session["links"]["upload"],
        {
            "filename": "empty.txt",
            "size": 0,
            "hashes": {"sha256": sha256(b"")},
            "mechanism": "http-post-bytes",
        },
    )
    assert declared.status_code == 201, declared.text
    assert declared.json()["staged"] is True
    assert alice.complete(declared.json()).status_code == 201
    assert alice.publish(session).status_code == 201
    assert objects_in(site, "inbox") == ["empty.txt"]


@pytest.fixture
def scanner():
    """A subscriber that refuses files whose bytes contain EICAR."""
    seen = []

    def scan(event):
        seen.append(event.session_file.filename)
        with open(event.data_path, "rb") as data:
            if b"EICAR" in data.read():
                raise ValueError("virus found: EICAR test file")

    registry = getGlobalSiteManager()
    registry.registerHandler(scan, (IFileStagedEvent,))
    yield seen
    registry.unregisterHandler(scan, (IFileStagedEvent,))


def test_subscriber_that_raises_puts_the_file_in_error(alice, session, scanner):
    good = alice.add(session, "good.bin", PAYLOAD)
    assert good["status"] == "completed"
    infected = b"X5O!P%@AP EICAR test"
    declared = alice.declare(session, "bad.bin", infected).json()
    alice.send_bytes(declared, infected)
    refused = alice.complete(declared)
    assert refused.status_code == 422
    entry = alice.status(session)["files"]["bad.bin"]
    assert entry["status"] == "error"
    assert entry["notices"] == ["bad.bin: virus found: EICAR test file"]
    assert scanner == ["good.bin", "bad.bin"]


def test_large_files_are_checked_in_the_background(site, alice, session, monkeypatch):
    from collective.tusupload.sessions import complete
    from collective.tusupload.sessions.worker import wait_for_workers

    monkeypatch.setattr(complete, "BACKGROUND_SIZE", 1000)
    good = alice.declare(session, "good.bin", PAYLOAD).json()
    alice.send_bytes(good, PAYLOAD)
    bad = alice.post(
        session["links"]["upload"],
        {
            "filename": "bad.bin",
            "size": len(PAYLOAD),
            "hashes": {"sha256": sha256(b"other")},
            "mechanism": "http-post-bytes",
        },
    ).json()
    alice.send_bytes(bad, PAYLOAD)
    for declared in (good, bad):
        response = alice.complete(declared)
        assert response.status_code == 202, response.text
        assert response.headers["Retry-After"] == "1"
    wait_for_workers()
    files = alice.status(session)["files"]
    assert files["good.bin"]["status"] == "completed"
    assert files["bad.bin"]["status"] == "error"
    assert "sha256" in files["bad.bin"]["notices"][0]


def test_canceling_is_never_refused_for_files_in_processing(site, alice, session):
    from collective.tusupload.sessions.model import storage_of

    import transaction

    declared = alice.declare(session, "slow.bin", PAYLOAD).json()
    alice.send_bytes(declared, PAYLOAD)
    transaction.begin()
    stored = storage_of(site).get(session["links"]["session"].rsplit("/", 1)[1])
    (item,) = stored.current_files()
    item.status = "processing"
    transaction.commit()
    file_url = declared["links"]["file-upload-session"]
    assert alice.delete(file_url).status_code == 409
    assert alice.delete(session["links"]["session"]).status_code == 204
    assert alice.get(file_url).json()["status"] == "canceled"


def test_bytes_as_curl_sends_them_without_headers(alice, session):
    """No Accept, and curl's default form type for ``--data-binary``."""
    declared = alice.declare(session, "plain.bin", PAYLOAD).json()
    response = alice.http.post(
        declared["mechanism"]["file_url"],
        data=PAYLOAD,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert alice.complete(declared).status_code == 201


def test_a_multipart_body_is_refused_in_words(alice, session):
    declared = alice.declare(session, "form.bin", PAYLOAD).json()
    response = alice.http.post(
        declared["mechanism"]["file_url"],
        files={"file": ("form.bin", PAYLOAD)},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 415
    assert "application/octet-stream" in response.json()["detail"]
