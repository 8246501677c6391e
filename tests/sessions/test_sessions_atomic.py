"""Publishing is all or nothing: 200 files through a forced ConflictError.

Zope retries the publish request after the ConflictError; the retry runs
the whole publish again from the committed state. Exactly 200 items exist
afterwards, never 0 < n < 200, each with its bytes, and the staged bytes
are gone. The background worker (202, ``processing``) retries the same way.
"""

from collective.tusupload.sessions.worker import wait_for_workers
from helpers.plone_tus import objects_in
from helpers.plone_tus import PASSWORD
from plone import api
from plone.dexterity.interfaces import IDexterityContent
from ZODB.POSException import ConflictError
from zope.component import getGlobalSiteManager
from zope.lifecycleevent.interfaces import IObjectAddedEvent

import pytest
import requests
import time
import transaction


FILES = 200


def payload(index: int) -> bytes:
    return f"file {index}\n".encode() * (index + 1)


@pytest.fixture
def conflict_at_100th():
    """An added-event subscriber that raises ConflictError at the 100th item, once."""
    calls = []

    def handler(obj, event):
        calls.append(obj.getId())
        if len(calls) == 100:
            raise ConflictError("forced by the test")

    registry = getGlobalSiteManager()
    registry.registerHandler(handler, (IDexterityContent, IObjectAddedEvent))
    yield calls
    registry.unregisterHandler(handler, (IDexterityContent, IObjectAddedEvent))


def stage_files(client, session, count):
    for index in range(count):
        client.add(session, f"f{index:03d}.txt", payload(index))


def test_publish_of_200_files_survives_a_conflict(
    site, alice, upload_dir, conflict_at_100th, publication_failures
):
    api.portal.set_registry_record("collective.tusupload.publish_async_threshold", 500)
    transaction.commit()
    session = alice.open("two hundred").json()
    stage_files(alice, session, FILES)
    assert objects_in(site, "inbox") == []
    response = alice.publish(session)
    assert response.status_code == 201, response.text
    # The first attempt made 99 items and failed at the 100th; Zope retried.
    assert len(conflict_at_100th) == 100 + FILES
    assert len(publication_failures.retried) == 1
    names = objects_in(site, "inbox")
    assert names == [f"f{index:03d}.txt" for index in range(FILES)]
    for index in (0, 99, 100, 199):
        download = requests.get(
            f"{alice.folder_url}/f{index:03d}.txt/@@download/file",
            auth=("alice", PASSWORD),
            timeout=30,
        )
        assert download.content == payload(index)
    assert list(upload_dir.glob("*.data")) == []
    body = alice.status(session)
    assert body["status"] == "published"
    assert all(entry["content"]["UID"] for entry in body["files"].values())


def test_background_publish_reports_processing_then_published(
    site, alice, upload_dir, conflict_at_100th
):
    api.portal.set_registry_record("collective.tusupload.publish_async_threshold", 5)
    transaction.commit()
    session = alice.open("in the background").json()
    stage_files(alice, session, 120)
    response = alice.publish(session)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "processing"
    assert response.headers["Location"] == session["links"]["session"]
    # While processing: no changes, no cancel.
    assert alice.delete(session["links"]["session"]).status_code == 409
    deadline = time.monotonic() + 120
    status = "processing"
    while status == "processing" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = alice.status(session)["status"]
    wait_for_workers()
    assert status == "published"
    # The worker's first try conflicted at the 100th item, the second made all.
    assert len(conflict_at_100th) == 100 + 120
    assert len(objects_in(site, "inbox")) == 120
    assert list(upload_dir.glob("*.data")) == []


def test_background_publish_that_fails_leaves_an_editable_error_session(
    site, alice, upload_dir
):
    api.portal.set_registry_record("collective.tusupload.publish_async_threshold", 0)
    transaction.commit()
    session = alice.open("failing").json()
    stage_files(alice, session, 3)

    def refuse(obj, event):
        raise RuntimeError("the catalog is on fire")

    registry = getGlobalSiteManager()
    registry.registerHandler(refuse, (IDexterityContent, IObjectAddedEvent))
    try:
        assert alice.publish(session).status_code == 202
        wait_for_workers()
    finally:
        registry.unregisterHandler(refuse, (IDexterityContent, IObjectAddedEvent))
    body = alice.status(session)
    assert body["status"] == "error"
    assert "the catalog is on fire" in body["notices"][0]
    assert objects_in(site, "inbox") == []
    assert len(list(upload_dir.glob("*.data"))) == 3
    # error is editable: publish again (now it works).
    assert alice.publish(session).status_code == 202
    wait_for_workers()
    assert alice.status(session)["status"] == "published"
    assert len(objects_in(site, "inbox")) == 3
