"""The ZODB store on two ZEO clients: what one instance writes the other reads,
no double append, chunks committed in parts, locks shared and leased."""

from collective.tusupload.core import errors
from collective.tusupload.core import Handler
from collective.tusupload.core import UploadInfo
from collective.tusupload.core.info import new_upload_id
from collective.tusupload.zodbstore.store import ConcurrentAppend
from collective.tusupload.zodbstore.store import ZODBStore
from helpers.core_client import Client

import hashlib
import os
import pytest
import threading
import time
import ZEO


def new_upload(store, length=None):
    return store.create(UploadInfo(id=new_upload_id(), length=length))


def read_all(store, upload_id):
    with store.open_data(upload_id) as data:
        return data.read()


def test_an_upload_made_on_one_instance_continues_on_the_other(open_instance):
    store_a, locker_a = open_instance("a")
    store_b, locker_b = open_instance("b")
    client_a = Client(Handler(store_a, locker=locker_a))
    client_b = Client(Handler(store_b, locker=locker_b))
    chunks = [os.urandom(100_000) for _ in range(6)]
    upload_id = client_a.create(sum(map(len, chunks)))
    offset = 0
    for number, chunk in enumerate(chunks):
        client = (client_a, client_b)[number % 2]
        response = client.patch(upload_id, offset, chunk)
        assert response.status == 204, response.body
        offset += len(chunk)
        assert client_b.head(upload_id).headers["Upload-Offset"] == str(offset)
    assert client_a.head(upload_id).headers["Upload-Offset"] == str(offset)


def test_two_appends_at_once_never_both_keep_their_bytes(open_instance):
    """Both pass their offset check; the database refuses the second commit."""
    store_a, _ = open_instance("a")
    store_b, _ = open_instance("b")
    upload_id = new_upload(store_a, 8).id
    both_writing = threading.Barrier(2)
    outcomes = {}

    def append(name, store, payload):
        def blocks():
            yield payload
            both_writing.wait(timeout=10)

        try:
            outcomes[name] = store.append(upload_id, 0, blocks())
        except errors.TusError as error:
            outcomes[name] = error

    threads = [
        threading.Thread(target=append, args=("a", store_a, b"AAAA")),
        threading.Thread(target=append, args=("b", store_b, b"BBBB")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    refused = [value for value in outcomes.values() if isinstance(value, Exception)]
    kept = [value for value in outcomes.values() if value == 4]
    assert len(refused) == 1 and len(kept) == 1, outcomes
    assert isinstance(refused[0], ConcurrentAppend)
    assert refused[0].status == 409
    assert read_all(store_a, upload_id) in (b"AAAA", b"BBBB")
    assert store_b.data_size(upload_id) == 4


def test_an_append_behind_the_committed_offset_is_refused(open_instance):
    store_a, _ = open_instance("a")
    store_b, _ = open_instance("b")
    info = new_upload(store_a, 8)
    store_a.append(info.id, 0, [b"abcd"])
    info.offset = 4
    store_a.update_info(info)
    with pytest.raises(errors.OffsetMismatch):
        store_b.append(info.id, 0, [b"wxyz"])
    assert read_all(store_b, info.id) == b"abcd"


def test_checkpoints_commit_the_bytes_so_far(open_instance):
    """A body interrupted after a checkpoint keeps what was committed."""
    store, _ = open_instance("a")
    info = new_upload(store, 30)

    def blocks():
        yield b"a" * 10
        store.sync_data(info.id)
        yield b"b" * 10
        store.sync_data(info.id)
        raise RuntimeError("the instance dies")

    with pytest.raises(RuntimeError):
        store.append(info.id, 0, blocks())
    other, _ = open_instance("b")
    assert read_all(other, info.id) == b"a" * 10 + b"b" * 10
    assert other.sessions.read(lambda root: len(root.uploads[info.id].data.chunks)) == 2


def test_a_large_chunk_is_streamed_and_read_back(open_instance):
    store, _ = open_instance("a")
    info = new_upload(store)
    digest = hashlib.sha256()

    def blocks():
        for _ in range(32):
            block = os.urandom(1 << 20)
            digest.update(block)
            yield block

    assert store.append(info.id, 0, blocks()) == 32 << 20
    other, _ = open_instance("b")
    copy = hashlib.sha256()
    with other.open_data(info.id) as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            copy.update(block)
    assert copy.hexdigest() == digest.hexdigest()


def test_copy_to_copies_every_chunk_in_order(open_instance, tmp_path):
    store, _ = open_instance("a")
    info = new_upload(store)
    store.append(info.id, 0, [b"one-"])
    store.append(info.id, 4, [b"two-"])
    store.append(info.id, 8, [b"three"])
    target = tmp_path / "copy"
    with store.open_data(info.id) as data, open(target, "wb") as out:
        assert data.copy_to(out.fileno()) == 13
    assert target.read_bytes() == b"one-two-three"


def test_truncate_inside_a_chunk_keeps_its_first_part(open_instance):
    store, _ = open_instance("a")
    info = new_upload(store)
    store.append(info.id, 0, [b"abcdef"])
    store.truncate(info.id, 4)
    assert read_all(store, info.id) == b"abcd"
    store.append(info.id, 4, [b"XY"])
    assert read_all(store, info.id) == b"abcdXY"


def test_concatenation_shares_the_partials_blobs(open_instance):
    store, _ = open_instance("a")
    first, second = new_upload(store, 3), new_upload(store, 4)
    store.append(first.id, 0, [b"abc"])
    store.append(second.id, 0, [b"defg", b"surplus"])
    first.offset, second.offset = 3, 4
    final = new_upload(store, 7)
    assert store.concatenate(final.id, [first, second]) == 7
    store.remove(first.id)
    store.remove(second.id)
    assert read_all(store, final.id) == b"abcdefg"


def test_a_lock_taken_on_one_instance_is_busy_on_the_other(open_instance):
    _, locker_a = open_instance("a")
    _, locker_b = open_instance("b")
    with locker_a.lock("upload"):
        with pytest.raises(errors.Locked):
            locker_b.acquire("upload", timeout=0.2)
        assert locker_b.holder_of("upload") == locker_a.label
    with locker_b.lock("upload", timeout=1):
        assert locker_a.is_locked("upload")


def test_the_lock_of_a_dead_instance_runs_out(open_instance):
    _, locker_a = open_instance("a", ttl=0.6)
    _, locker_b = open_instance("b", ttl=0.6)
    locker_a.acquire("upload")
    locker_a._held.clear()  # the instance dies: nobody renews its lease
    started = time.monotonic()
    lease = locker_b.acquire("upload", timeout=5)
    assert 0.2 < time.monotonic() - started < 3
    lease.release()


def test_a_held_lock_is_renewed_past_its_ttl(open_instance):
    _, locker_a = open_instance("a", ttl=0.6)
    _, locker_b = open_instance("b", ttl=0.6)
    with locker_a.lock("upload"):
        time.sleep(1.5)
        with pytest.raises(errors.Locked):
            locker_b.acquire("upload")


def test_a_store_needs_a_database_with_blobs():
    from collective.tusupload.zodbstore.store import ZODBStore

    import ZODB

    database = ZODB.DB(None)
    with pytest.raises(ValueError, match="blob"):
        ZODBStore(database)
    database.close()


def test_a_database_out_of_reach_is_503(tmp_path, monkeypatch):
    """The ZEO server goes away: uploads answer 503, not 500."""
    (tmp_path / "server").mkdir()
    monkeypatch.chdir(tmp_path)
    address, stop = ZEO.server(
        path=str(tmp_path / "server" / "Data.fs"),
        blob_dir=str(tmp_path / "server" / "blobs"),
    )
    database = ZEO.DB(
        address,
        blob_dir=str(tmp_path / "client"),
        shared_blob_dir=False,
        wait_timeout=1,
    )
    try:
        store = ZODBStore(database)
        info = new_upload(store, 4)
        stop()
        # Only once the client has noticed: a call sent before it noticed
        # waits for a reply from a server that is gone (ZEO's tpc_abort has
        # no timeout), and the test would hang instead of failing.
        deadline = time.monotonic() + 30
        while database.storage.is_connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not database.storage.is_connected()
        with pytest.raises(errors.ServiceUnavailable) as refused:
            store.append(info.id, 0, [b"data"])
        assert refused.value.status == 503
    finally:
        database.close()


def test_reading_a_new_database_writes_nothing(open_instance):
    store, locker = open_instance("a")
    before = store.database.lastTransaction()
    with pytest.raises(errors.NotFound):
        store.get_info("0" * 32)
    assert store.list_ids() == []
    assert locker.holder_of("upload") is None
    assert store.database.lastTransaction() == before


def test_an_append_on_a_connection_that_saw_an_older_info(open_instance):
    """A pooled connection whose cached info went stale while it was closed
    must not make a lone append look like a concurrent one."""
    store, _ = open_instance("a")
    info = new_upload(store, 8)
    with store.sessions.open() as (root, _manager):
        assert root.uploads[info.id].info.values["offset"] == 0  # cached here
        info.metadata = {"filename": "renamed.bin"}
        store.update_info(info)  # committed on another connection
    # The append gets the connection above back from the pool.
    assert store.append(info.id, 0, [b"data"]) == 4
