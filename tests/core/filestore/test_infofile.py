"""The two-slot info file: in-place updates that are never half done."""

from collective.tusupload.core import FileStore
from collective.tusupload.core import UploadInfo
from collective.tusupload.core.filestore import infofile

import json
import os
import pytest
import threading


UPLOAD_ID = "ab" * 16


def make_info(offset=0, **values):
    return UploadInfo(id=UPLOAD_ID, length=1 << 20, offset=offset, **values)


def new_store(directory, *, fsync=False):
    """A store with one upload whose data holds 4 KiB (get_info clamps to it)."""
    store = FileStore(directory, fsync=fsync)
    store.create(make_info())
    with open(store.data_path(UPLOAD_ID), "wb") as data_file:
        data_file.write(b"x" * 4096)
    return store


@pytest.fixture
def store(tmp_path):
    return new_store(tmp_path / "uploads")


def test_new_file_has_two_equal_slots_and_reads_back():
    content = infofile.new_file(b'{"a": 1}')
    assert len(content) % (2 * infofile.SLOT_ALIGN) == 0
    record = infofile.read_record(content)
    assert (record.payload, record.sequence, record.slot) == (b'{"a": 1}', 1, 0)


def test_updates_alternate_slots_in_place(store):
    path = store.info_path(UPLOAD_ID)
    size, inode = os.path.getsize(path), os.stat(path).st_ino
    slots = []
    for offset in range(1, 6):
        store.update_info(make_info(offset))
        with open(path, "rb") as info_file:
            slots.append(infofile.read_record(info_file.read()).slot)
        assert store.get_info(UPLOAD_ID).offset == offset
    assert slots == [1, 0, 1, 0, 1]
    assert os.stat(path).st_ino == inode  # never replaced
    assert os.path.getsize(path) == size
    assert sorted(os.listdir(store.directory)) == [
        f"{UPLOAD_ID}.data",
        f"{UPLOAD_ID}.info",
    ]


def test_a_torn_newest_slot_leaves_the_previous_info(store):
    store.update_info(make_info(10))
    store.update_info(make_info(20))  # slot 0, sequence 3
    path = store.info_path(UPLOAD_ID)
    with open(path, "r+b") as info_file:
        info_file.seek(40)
        info_file.write(b"\0\0\0\0")  # a write cut short by a power loss
    assert store.get_info(UPLOAD_ID).offset == 10
    store.update_info(make_info(30))  # goes over the torn slot
    assert store.get_info(UPLOAD_ID).offset == 30


def test_plain_json_info_of_older_versions_is_read_and_converted(store):
    path = store.info_path(UPLOAD_ID)
    with open(path, "w") as info_file:
        json.dump(make_info(7).to_dict(), info_file)
    assert store.get_info(UPLOAD_ID).offset == 7
    store.update_info(make_info(8))
    with open(path, "rb") as info_file:
        assert info_file.read().startswith(infofile.MAGIC)
    assert store.get_info(UPLOAD_ID).offset == 8


def test_a_payload_that_outgrows_the_slots_gets_a_new_file(store):
    path = store.info_path(UPLOAD_ID)
    before = os.path.getsize(path)
    store.update_info(make_info(1, metadata={"filename": "x" * 5000}))
    assert os.path.getsize(path) > before
    info = store.get_info(UPLOAD_ID)
    assert (info.offset, info.metadata["filename"]) == (1, "x" * 5000)
    store.update_info(make_info(2, metadata={"filename": "x" * 5000}))
    assert store.get_info(UPLOAD_ID).offset == 2


def test_unreadable_info_is_not_found(store):
    with open(store.info_path(UPLOAD_ID), "wb") as info_file:
        info_file.write(infofile.MAGIC + b"garbage\n" + b" " * 1023)
    with pytest.raises(Exception, match="unreadable"):
        store.get_info(UPLOAD_ID)


def test_fsync_store_flushes_each_in_place_update(tmp_path, monkeypatch):
    store = new_store(tmp_path, fsync=True)
    flushed = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: flushed.append(fd))
    store.update_info(make_info(5))
    assert len(flushed) == 1
    assert store.get_info(UPLOAD_ID).offset == 5


def test_readers_never_see_a_half_written_info(store):
    # Readers take no lock: each must see some complete version, never an
    # error and never an offset going backwards.
    stop = threading.Event()
    problems = []

    def read_until_stopped():
        last = 0
        while not stop.is_set():
            try:
                offset = store.get_info(UPLOAD_ID).offset
            except Exception as error:  # noqa: BLE001 - reported below
                problems.append(repr(error))
                return
            if offset < last:
                problems.append(f"offset went back from {last} to {offset}")
                return
            last = offset

    readers = [threading.Thread(target=read_until_stopped) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for offset in range(1, 3000):
            store.update_info(make_info(offset))
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert problems == []
