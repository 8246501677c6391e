"""A site whose unfinished uploads live in its database (TUSUPLOAD_STORE=zodb).

The site is the functional layer's (one process): these prove the Plone
side on the ZODB store; ``tests/cluster`` proves it on two instances.
"""

from collective.tusupload import jobs
from collective.tusupload.backend import database_backend
from collective.tusupload.pending import list_pending
from helpers.plone_tus import download
from helpers.plone_tus import objects_in
from plone import api
from zope.component.hooks import setSite

import concurrent.futures
import os
import pytest
import transaction


@pytest.fixture
def zodb_site(site, monkeypatch, upload_dir):
    monkeypatch.setenv("TUSUPLOAD_STORE", "zodb")
    yield site
    assert os.listdir(upload_dir) == []  # nothing went to the upload directory


def store_of(portal):
    transaction.begin()
    return database_backend(portal._p_jar.db()).store


def test_an_upload_becomes_content_through_the_database(zodb_site, alice):
    payload = os.urandom(300_000)
    response = alice.upload(payload, chunk=100_000, filename="stored.bin")
    assert response.status_code == 200, response.text
    url = response.json()["@id"]
    assert download(url) == payload
    store = store_of(zodb_site)
    (info,) = store.infos()
    assert info.finished
    assert not store.has_data(info.id)


def test_pending_uploads_are_listed_from_the_database(zodb_site, alice):
    created = alice.create(10, filename="waiting.bin")
    alice.patch(created.headers["Location"], b"12345", 0)
    setSite(zodb_site)
    (pending,) = list_pending("/plone")
    assert (pending.owner, pending.offset, pending.length) == ("alice", 5, 10)
    assert pending.filename == "waiting.bin"


def test_per_user_limits_count_the_uploads_in_the_database(zodb_site, alice, bob):
    api.portal.set_registry_record("collective.tusupload.max_pending_uploads", 2)
    transaction.commit()
    assert alice.create(10, filename="a.bin").status_code == 201
    assert alice.create(10, filename="b.bin").status_code == 201
    refused = alice.create(10, filename="c.bin")
    assert refused.status_code == 413
    assert "2 unfinished uploads" in refused.text
    assert bob.create(10, filename="d.bin").status_code == 201


def test_finishes_into_one_folder_at_once_all_create_their_item(zodb_site, alice):
    names = [f"at-once-{number}.bin" for number in range(6)]
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        responses = list(
            pool.map(
                lambda name: alice.upload(name.encode() * 1000, filename=name), names
            )
        )
    assert [response.status_code for response in responses] == [200] * len(names)
    created = [name for name in objects_in(zodb_site) if name.startswith("at-once")]
    assert sorted(created) == sorted(names)


def test_the_cleanup_sweeps_the_database(zodb_site, alice):
    created = alice.create(10, filename="forgotten.bin")
    upload_id = created.headers["Location"].rsplit("/", 1)[1]
    setSite(zodb_site)
    store = store_of(zodb_site)
    info = store.get_info(upload_id)
    info.expires = 1.0
    store.update_info(info)
    summary = jobs.run_now("zodb")
    assert summary is not None and upload_id in summary.removed_ids
    assert store.list_ids() == []
    # Another sweep within the interval is nobody's turn.
    assert jobs.sweep_place("zodb", interval=3600) is None
