"""Expired sessions are swept with their bytes; the Pending uploads page lists them."""

from collective.tusupload import jobs
from collective.tusupload.sessions.expiry import sweep_all_sites
from helpers.plone_tus import objects_in
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import requests
import time
import transaction


PAYLOAD = b"staged bytes\n" * 1000


def test_expired_session_is_swept_with_its_bytes(site, alice, upload_dir, functional):
    session = alice.open("short lived").json()
    alice.add(session, "one.bin", PAYLOAD)
    alice.declare(session, "two.bin", PAYLOAD)
    assert len(list(upload_dir.glob("*.data"))) == 2
    # Not expired yet: nothing goes.
    assert sweep_all_sites(functional["zodbDB"]) == 0
    assert alice.status(session)["status"] == "open"
    removed = sweep_all_sites(functional["zodbDB"], now=time.time() + 8 * 86400)
    assert removed == 1
    assert list(upload_dir.glob("*.data")) == []
    assert alice.get(session["links"]["session"]).status_code == 404
    assert requests.get(session["links"]["stage"], timeout=30).status_code == 404
    # The name is free again.
    assert alice.open("short lived").status_code == 201
    assert objects_in(site, "inbox") == []


def test_scheduler_round_sweeps_sessions(site, functional):
    calls = []
    scheduler = jobs.CleanupScheduler(lambda: [], sweep_records=lambda: calls.append(1))
    scheduler.run_once()
    assert calls == [1]


def test_pending_page_lists_sessions(site, alice):
    session = alice.open("listed").json()
    alice.add(session, "one.bin", PAYLOAD)
    transaction.begin()
    page = requests.get(
        f"{site.absolute_url()}/@@tusupload-pending",
        auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD),
        timeout=30,
    )
    assert page.status_code == 200
    assert "Upload sessions" in page.text
    assert "listed" in page.text
    assert str(len(PAYLOAD)) in page.text


def test_processing_without_a_worker_becomes_error(site, alice, functional):
    from collective.tusupload.sessions.model import storage_of

    session = alice.open("stuck").json()
    alice.add(session, "one.bin", PAYLOAD)
    transaction.begin()
    stored = storage_of(site).get(session["links"]["session"].rsplit("/", 1)[1])
    stored.status = "processing"
    stored.processing_since = time.time() - 2 * 3600
    transaction.commit()
    assert sweep_all_sites(functional["zodbDB"]) == 0
    body = alice.status(session)
    assert body["status"] == "error"
    assert "interrupted" in body["notices"][0]
    assert alice.publish(session).status_code == 201


def test_publish_of_a_file_whose_bytes_are_gone_is_409(site, alice, upload_dir):
    session = alice.open("bytes gone").json()
    alice.add(session, "one.bin", PAYLOAD)
    for path in upload_dir.glob("*.data"):
        path.unlink()
    response = alice.publish(session)
    assert response.status_code == 409, response.text
    assert "one.bin" in response.json()["detail"]
    assert alice.status(session)["status"] == "open"
    assert objects_in(site, "inbox") == []


def test_pending_page_cancels_a_session(site, alice, upload_dir):
    from helpers.plone_tus import cookie_login

    session = alice.open("to cancel").json()
    alice.add(session, "one.bin", PAYLOAD)
    session_id = session["links"]["session"].rsplit("/", 1)[1]
    cookie, token = cookie_login(site, "boss")
    response = requests.post(
        f"{site.absolute_url()}/@@tusupload-pending",
        data={"session_id": session_id, "_authenticator": token},
        cookies={"__ac": cookie},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    assert alice.status(session)["status"] == "canceled"
    assert list(upload_dir.glob("*.data")) == []
