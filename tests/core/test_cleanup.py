"""cleanup: expired uploads, orphans, dead lock files; never a locked upload."""

from collective.tusupload.core.cleanup import cleanup

import os
import time


def names(store):
    return sorted(os.listdir(store.directory))


def test_removes_expired_uploads(client, store, clock):
    old = client.create(5)
    client.patch(old, 0, b"abc")
    clock.now += 3600
    fresh = client.create(5)
    clock.now += 86400 - 1
    summary = cleanup(store, clock=clock)
    assert summary.removed_ids == [old]
    assert summary.freed_bytes > 3
    assert store.list_ids() == [fresh]
    assert not any(name.startswith(old) for name in names(store))


def test_dry_run_removes_nothing_but_reports(client, store, clock):
    upload_id = client.create(5)
    client.patch(upload_id, 0, b"abc")
    before = names(store)
    clock.now += 10**6
    summary = cleanup(store, clock=clock, dry_run=True)
    assert summary.dry_run
    assert summary.removed_ids == [upload_id]
    assert summary.freed_bytes > 3
    assert store.list_ids() == [upload_id]
    assert set(before) <= set(names(store))


def test_never_touches_a_locked_upload(client, store, clock):
    upload_id = client.create(5)
    clock.now += 10**6
    with client.handler.locker.lock(upload_id):
        summary = cleanup(store, clock=clock)
    assert summary.removed_ids == []
    assert summary.skipped_locked == [upload_id]
    assert store.list_ids() == [upload_id]


def test_removes_info_without_data(client, store, clock):
    upload_id = client.create(5)
    os.unlink(store.data_path(upload_id))
    assert cleanup(store, clock=clock).removed_ids == [upload_id]
    assert names(store) == []


def test_removes_data_without_info_after_grace(store, clock):
    orphan = "c" * 32
    with open(os.path.join(store.directory, f"{orphan}.data"), "wb") as data:
        data.write(b"12345")
    clock.now = os.path.getmtime(store.data_path(orphan)) + 10
    assert cleanup(store, clock=clock, grace=60).removed_ids == []
    clock.now += 3600
    summary = cleanup(store, clock=clock, grace=60)
    assert summary.removed_ids == [orphan]
    assert summary.freed_bytes == 5
    assert names(store) == []


def test_removes_dead_lock_files_and_stray_temp_files(store, clock):
    orphan = "d" * 32
    for suffix in (".lock", ".info.tmp-1234"):
        with open(os.path.join(store.directory, orphan + suffix), "w") as leftover:
            leftover.write("pid=999999 host=gone time=0\n")
    clock.now = time.time() + 10**6
    assert cleanup(store, clock=clock).removed_ids == [orphan]
    assert names(store) == []


def test_keeps_live_uploads_and_their_lock_files(client, store, clock):
    upload_id = client.create(5)
    client.patch(upload_id, 0, b"ab")
    before = names(store)
    clock.now += 10
    summary = cleanup(store, clock=clock)
    assert summary.removed_ids == []
    assert names(store) == before


def test_ignores_foreign_files(store, clock):
    with open(os.path.join(store.directory, "README.txt"), "w") as foreign:
        foreign.write("not ours")
    clock.now += 10**6
    assert cleanup(store, clock=clock).removed_ids == []
    assert names(store) == ["README.txt"]
