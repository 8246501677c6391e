"""FileLocker, and concurrent PATCHes from threads and processes."""

from collective.tusupload.core import errors
from collective.tusupload.core import FileLocker
from collective.tusupload.core import FileStore
from collective.tusupload.core import Handler
from collective.tusupload.core.filestore.locker import HOLDER_WIDTH
from collective.tusupload.core.filestore.locker import read_holder

import multiprocessing
import os
import pytest
import threading


UPLOAD_ID = "ab" * 16


def test_second_lock_in_same_thread_is_refused(tmp_path):
    locker = FileLocker(tmp_path)
    with locker.lock(UPLOAD_ID), pytest.raises(errors.Locked), locker.lock(UPLOAD_ID):
        pass


def test_lock_excludes_another_thread(tmp_path):
    locker = FileLocker(tmp_path)
    outcome = []

    def contender():
        try:
            with locker.lock(UPLOAD_ID):
                outcome.append("got it")
        except errors.Locked:
            outcome.append("locked")

    with locker.lock(UPLOAD_ID):
        thread = threading.Thread(target=contender)
        thread.start()
        thread.join()
    assert outcome == ["locked"]


def test_lock_is_released_after_the_block(tmp_path):
    locker = FileLocker(tmp_path)
    with locker.lock(UPLOAD_ID):
        pass
    with locker.lock(UPLOAD_ID):
        assert not False


def test_waiting_lock_gets_it_when_released(tmp_path):
    locker = FileLocker(tmp_path, poll_interval=0.01)
    release = threading.Event()
    held = threading.Event()

    def holder():
        with locker.lock(UPLOAD_ID):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    assert locker.is_locked(UPLOAD_ID)
    threading.Timer(0.1, release.set).start()
    with locker.lock(UPLOAD_ID, timeout=3):
        pass
    thread.join()


def test_lock_file_records_its_holder(tmp_path):
    locker = FileLocker(tmp_path)
    with locker.lock(UPLOAD_ID):
        holder = read_holder(locker.lock_path(UPLOAD_ID))
    assert f"pid={os.getpid()}" in holder
    assert "host=" in holder


def test_bad_id_is_refused_before_any_path(tmp_path):
    with pytest.raises(errors.NotFound), FileLocker(tmp_path).lock("../escape"):
        pass


def test_forget_while_another_waits_does_not_split_the_lock(tmp_path):
    locker = FileLocker(tmp_path, poll_interval=0.01)
    with locker.lock(UPLOAD_ID):
        # another opener would now hold a descriptor on the soon-unlinked file
        stale_descriptor = os.open(locker.lock_path(UPLOAD_ID), os.O_RDWR)
        locker.forget(UPLOAD_ID)
    with locker.lock(UPLOAD_ID), pytest.raises(errors.Locked), locker.lock(UPLOAD_ID):
        pass
    os.close(stale_descriptor)


def _patch_many(client, upload_id, offset, payload, results, barrier):
    barrier.wait()
    results.append(client.patch(upload_id, offset, payload).status)


def test_threads_patching_the_same_offset_one_wins(make_client, store):
    client = make_client(lock_timeout=0.2)
    upload_id = client.create(8 * 1024)
    results = []
    barrier = threading.Barrier(8)
    threads = [
        threading.Thread(
            target=_patch_many,
            args=(client, upload_id, 0, bytes([65 + n]) * 1024, results, barrier),
        )
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(204) == 1
    assert set(results) <= {204, 409, 423}
    with store.open_data(upload_id) as data:
        content = data.read()
    assert len(content) == 1024 and len(set(content)) == 1
    assert store.get_info(upload_id).offset == 1024


def test_threads_racing_through_a_whole_upload_never_corrupt_it(make_client, store):
    client = make_client(lock_timeout=0.05)
    chunk = 512
    payload = os.urandom(chunk * 16)
    upload_id = client.create(len(payload))

    def worker():
        for _ in range(200):
            offset = int(client.head(upload_id).headers["Upload-Offset"])
            if offset >= len(payload):
                return
            client.patch(upload_id, offset, payload[offset : offset + chunk])

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.open_data(upload_id) as data:
        assert data.read() == payload


def _process_patch(directory, upload_id, letter, start, results):
    from collective.tusupload.core import TusRequest

    import io

    handler = Handler(FileStore(directory, fsync=False), lock_timeout=0.2)
    headers = {
        "Tus-Resumable": "1.0.0",
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": "0",
    }
    body = io.BytesIO(letter * 4096)
    start.wait()
    request = TusRequest(
        "PATCH",
        headers,
        body,
        upload_id,
        "http://x/files",
        "alice",
        content_length=4096,
    )
    results.put(handler.handle(request).status)


def test_processes_patching_the_same_offset_one_wins(tmp_path, client_for):
    client = client_for(Handler(FileStore(tmp_path, fsync=False)))
    upload_id = client.create(4096 * 4)
    context = multiprocessing.get_context("fork")
    start = context.Event()
    results = context.Queue()
    processes = [
        context.Process(
            target=_process_patch,
            args=(str(tmp_path), upload_id, bytes([65 + n]), start, results),
        )
        for n in range(4)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(20)
    statuses = sorted(results.get(timeout=5) for _ in processes)
    assert statuses.count(204) == 1
    assert set(statuses) <= {204, 409, 423}
    with open(os.path.join(tmp_path, f"{upload_id}.data"), "rb") as data:
        content = data.read()
    assert len(content) == 4096 and len(set(content)) == 1


def test_holder_line_has_a_fixed_width_so_it_is_overwritten_whole(tmp_path):
    locker = FileLocker(tmp_path)
    path = locker.lock_path(UPLOAD_ID)
    with open(path, "wb") as lock_file:
        lock_file.write(b"x" * 300)  # an older, longer holder line
    for _ in range(2):
        with locker.lock(UPLOAD_ID):
            pass
    with open(path, "rb") as lock_file:
        content = lock_file.read()
    assert content.startswith(b"pid=")
    assert content[HOLDER_WIDTH:] == b"x" * (300 - HOLDER_WIDTH)
    assert read_holder(path).startswith("pid=")
