"""The engine's order of work: the lock first, then the upload, loaded once."""

from collective.tusupload.core import FileStore
from collective.tusupload.core import Handler
from collective.tusupload.core.locks import MemoryLocker

import pytest


class CountingStore(FileStore):
    """A file store that counts how often an upload's info is read."""

    loads = 0

    def get_info(self, upload_id):
        self.loads += 1
        return super().get_info(upload_id)


class WatchedLocker(MemoryLocker):
    """In-process locks that note, at each lock, how often the store was read."""

    def __init__(self, store):
        super().__init__()
        self.store = store
        self.loads_at_lock = []

    def acquire(self, upload_id, *, timeout=0.0):
        self.loads_at_lock.append(self.store.loads)
        return super().acquire(upload_id, timeout=timeout)


@pytest.fixture
def store(tmp_path):
    return CountingStore(tmp_path / "uploads", fsync=False)


def test_a_patch_loads_the_upload_once(store, client_for):
    client = client_for(Handler(store))
    upload_id = client.create(6)
    # A chunk, then the chunk that completes the upload and finishes it.
    for offset, chunk in ((0, b"abc"), (3, b"def")):
        store.loads = 0
        assert client.patch(upload_id, offset, chunk).status == 204
        assert store.loads == 1


def test_a_patch_takes_the_lock_before_it_loads(store, client_for):
    locker = WatchedLocker(store)
    client = client_for(Handler(store, locker=locker))
    upload_id = client.create(3)
    store.loads = 0
    locker.loads_at_lock.clear()
    assert client.patch(upload_id, 0, b"abc").status == 204
    assert locker.loads_at_lock == [0]


def test_an_offset_query_loads_once_and_locks_nothing(store, client_for):
    locker = WatchedLocker(store)
    client = client_for(Handler(store, locker=locker))
    upload_id = client.create(3)
    store.loads = 0
    locker.loads_at_lock.clear()
    assert client.head(upload_id).status == 200
    assert (store.loads, locker.loads_at_lock) == (1, [])


def test_a_replayed_last_chunk_loads_once(store, client_for):
    client = client_for(Handler(store))
    upload_id = client.create(3)
    client.patch(upload_id, 0, b"abc")
    store.loads = 0
    assert client.patch(upload_id, 0, b"abc").status == 204
    assert store.loads == 1
