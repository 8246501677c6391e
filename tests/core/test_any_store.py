"""The engine, both wire layers and cleanup on a store that is not a FileStore."""

from collective.tusupload.core import Handler
from collective.tusupload.core import Hooks
from collective.tusupload.core import MemoryLocker
from collective.tusupload.core.cleanup import cleanup
from collective.tusupload.core.compose import default_locker
from helpers.memory_store import MemoryStore

import pytest


BASE = "http://example.org/files"


class Keep(Hooks):
    def __init__(self, store):
        self.store = store
        self.finished = {}

    def after_finish(self, request, info, finishing):
        with self.store.open_data(info.id) as data:  # no local path here
            self.finished[info.id] = data.read()
        return {"url": f"https://example.org/items/{info.id}"}


@pytest.fixture
def store():
    return MemoryStore()


def test_a_store_without_locker_gets_in_process_locks(store):
    assert isinstance(default_locker(store), MemoryLocker)
    assert store.local_path("0" * 32) is None


def test_tus_concatenation_uses_the_generic_default(store, client_for, clock):
    hooks = Keep(store)
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    first = client.create(3, headers={"Upload-Concat": "partial"})
    second = client.create(3, headers={"Upload-Concat": "partial"})
    client.patch(first, 0, b"abc")
    client.patch(second, 0, b"def")
    final = client.create(
        headers={"Upload-Concat": f"final;{BASE}/{first} {BASE}/{second}"}
    )
    assert hooks.finished[final] == b"abcdef"


def test_ietf_upload_on_any_store(store, client_for, clock):
    hooks = Keep(store)
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    created = client.request(
        "POST",
        body=b"abc",
        headers={"Upload-Draft-Interop-Version": "8", "Upload-Complete": "?0"},
        tus_version=None,
    )
    upload_id = created.headers["Location"].rsplit("/", 1)[1]
    done = client.request(
        "PATCH",
        upload_id,
        body=b"def",
        headers={
            "Upload-Draft-Interop-Version": "8",
            "Upload-Complete": "?1",
            "Upload-Offset": "3",
            "Content-Type": "application/partial-upload",
        },
        tus_version=None,
    )
    assert done.headers["Upload-Complete"] == "?1"
    assert done.headers["Content-Location"].endswith(upload_id)
    assert hooks.finished[upload_id] == b"abcdef"


def test_cleanup_works_on_any_store(store, client_for, clock):
    handler = Handler(store, clock=clock)
    client = client_for(handler)
    expired = client.create(5)
    client.patch(expired, 0, b"ab")
    clock.now += 86400
    fresh = client.create(5)
    summary = cleanup(store, locker=handler.locker, clock=clock)
    assert summary.removed_ids == [expired]
    assert store.list_ids() == [fresh]
    with handler.locker.lock(fresh):
        clock.now += 10**6
        busy = cleanup(store, locker=handler.locker, clock=clock)
    assert busy.skipped_locked == [fresh]
