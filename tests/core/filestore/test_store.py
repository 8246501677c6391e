"""FileStore: layout, atomic info, crash consistency, a real SIGKILL mid-write."""

from collective.tusupload.core import errors
from collective.tusupload.core import FileStore
from collective.tusupload.core import UploadInfo
from collective.tusupload.core.info import new_upload_id

import multiprocessing
import os
import pytest
import signal
import time


def test_create_makes_data_and_info(store):
    info = store.create(UploadInfo(id=new_upload_id(), length=5, metadata={"a": "b"}))
    assert os.path.exists(store.data_path(info.id))
    assert store.get_info(info.id) == info
    assert store.list_ids() == [info.id]


def test_info_round_trips_through_json(store):
    info = UploadInfo(
        id=new_upload_id(),
        length=None,
        offset=0,
        metadata={"k": None},
        created=1.5,
        expires=2.5,
        principal="bob",
        is_partial=True,
        partial_ids=[],
        extra={"uid": "abc"},
    )
    store.create(info)
    assert store.get_info(info.id) == info
    assert store.get_info(info.id).is_deferred


def test_get_info_of_unknown_id_raises_not_found(store):
    with pytest.raises(errors.NotFound):
        store.get_info("0" * 32)


@pytest.mark.parametrize("bad_id", ["../x", "0" * 32 + "/..", "A" * 32, "", "0" * 65])
def test_paths_are_never_built_from_bad_ids(store, bad_id):
    with pytest.raises(errors.NotFound):
        store.data_path(bad_id)


def test_update_info_leaves_no_temp_files(tmp_path):
    store = FileStore(tmp_path, fsync=True)
    info = store.create(UploadInfo(id=new_upload_id(), length=3))
    info.offset = 2
    store.update_info(info)
    assert sorted(os.listdir(tmp_path)) == [f"{info.id}.data", f"{info.id}.info"]


def test_append_cuts_surplus_bytes_left_by_a_crash(store):
    info = store.create(UploadInfo(id=new_upload_id(), length=10))
    with open(store.data_path(info.id), "wb") as data:
        data.write(b"abcGARBAGE")
    assert store.append(info.id, 3, [b"de"]) == 2
    with store.open_data(info.id) as data:
        assert data.read() == b"abcde"


def test_info_offset_is_clamped_to_bytes_on_disk(store):
    info = store.create(UploadInfo(id=new_upload_id(), length=10, offset=0))
    info.offset = 5
    store.update_info(info)  # as if the data never reached the disk
    with open(store.data_path(info.id), "wb") as data:
        data.write(b"abc")
    assert store.get_info(info.id).offset == 3


def test_crash_after_data_before_info_heads_info_offset_and_resumes(client, store):
    upload_id = client.create(6)
    client.patch(upload_id, 0, b"abc")
    with open(store.data_path(upload_id), "ab") as data:
        data.write(b"XX")  # a PATCH wrote these, then the process died
    assert client.head(upload_id).headers["Upload-Offset"] == "3"
    assert client.patch(upload_id, 3, b"def").status == 204
    with store.open_data(upload_id) as data:
        assert data.read() == b"abcdef"


def test_remove_reports_bytes_freed(store):
    info = store.create(UploadInfo(id=new_upload_id(), length=3))
    store.append(info.id, 0, [b"abc"])
    assert store.remove(info.id) > 3
    assert store.list_ids() == []


def _write_forever(directory, upload_id, ready):
    """Child process: PATCH an endless body through the handler."""
    from collective.tusupload.core import Handler
    from collective.tusupload.core import TusRequest

    class Endless:
        def read(self, size=-1):
            ready.set()
            time.sleep(0.001)  # keep the file small
            return b"z" * size

    handler = Handler(FileStore(directory, fsync=True), block_size=4096)
    headers = {
        "Tus-Resumable": "1.0.0",
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": "4",
    }
    handler.handle(
        TusRequest(
            "PATCH",
            headers,
            Endless(),
            upload_id,
            "http://x/files",
            "alice",
            content_length=1 << 40,
        )
    )


def test_sigkill_mid_patch_leaves_a_consistent_upload(
    tmp_path, client_for, monkeypatch
):
    from collective.tusupload.core import Handler

    # A disk as large as the endless upload, which the store checks at creation.
    monkeypatch.setattr(FileStore, "free_space", lambda store: 1 << 42)
    client = client_for(Handler(FileStore(tmp_path, fsync=True)))
    upload_id = client.create(1 << 41)
    client.patch(upload_id, 0, b"abcd")
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    child = context.Process(
        target=_write_forever, args=(str(tmp_path), upload_id, ready)
    )
    child.start()
    assert ready.wait(10)
    time.sleep(0.2)
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert os.path.getsize(os.path.join(tmp_path, f"{upload_id}.data")) > 4
    head = client.head(upload_id)
    assert head.headers["Upload-Offset"] == "4"
    # The dead child's lock is gone with it; the upload continues.
    assert client.patch(upload_id, 4, b"efgh").status == 204
    with open(os.path.join(tmp_path, f"{upload_id}.data"), "rb") as data:
        assert data.read() == b"abcdefgh"


def test_writes_never_go_through_a_hard_link(store):
    """A host may link the data into its own storage (a blob) and then abort
    or crash before the finish is recorded: the next write copies first."""
    upload_id = store.create(UploadInfo(id=new_upload_id(), length=8)).id
    store.append(upload_id, 0, [b"abcdefgh"])
    blob = store.data_path(upload_id) + ".blob"
    os.link(store.data_path(upload_id), blob)
    store.append(upload_id, 4, [b"WXYZ"])
    store.truncate(upload_id, 2)
    with open(blob, "rb") as linked:
        assert linked.read() == b"abcdefgh"
    with store.open_data(upload_id) as data:
        assert data.read() == b"ab"
    assert os.stat(store.data_path(upload_id)).st_nlink == 1
    leftovers = [name for name in os.listdir(store.directory) if ".tmp-" in name]
    assert leftovers == []


def test_remove_data_keeps_the_record(store):
    upload_id = store.create(UploadInfo(id=new_upload_id(), length=2)).id
    store.append(upload_id, 0, [b"ab"])
    assert store.remove_data(upload_id) == 2
    assert not store.has_data(upload_id)
    assert store.get_info(upload_id).id == upload_id
