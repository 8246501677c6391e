"""cleanup: expired uploads, orphans, dead lock files; never a locked upload."""

from collective.tusupload.core.cleanup import cleanup
from collective.tusupload.core.sweep import last_sweep
from collective.tusupload.core.sweep import sweep
from collective.tusupload.core.tus.layer import http_date

import fcntl
import io
import json
import os
import pytest
import socket
import subprocess
import sys
import threading
import time


BASE_URL = "http://example.org/files"  # as the core tests' client uses


class WallClock:
    """A settable clock for the sweep timestamps."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


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


# -- expiry in the protocol (injected clock) ----------------------------------

EXPIRY = 86400


def test_head_and_patch_answer_410_the_moment_the_upload_expires(client, clock):
    upload_id = client.create(5)
    clock.now += EXPIRY - 1
    assert client.head(upload_id).status == 200
    clock.now += 1
    assert client.head(upload_id).status == 410
    assert client.patch(upload_id, 0, b"abc").status == 410
    assert client.request("DELETE", upload_id).status == 410
    assert store_has(client, upload_id)


def test_upload_expires_counts_from_the_last_successful_patch(client, clock):
    created_at = clock.now
    response = client.request("POST", headers={"Upload-Length": "5"})
    upload_id = response.headers["Location"].rsplit("/", 1)[1]
    assert response.headers["Upload-Expires"] == http_date(created_at + EXPIRY)
    clock.now += 1000
    patched = client.patch(upload_id, 0, b"ab")
    assert patched.headers["Upload-Expires"] == http_date(clock.now + EXPIRY)
    clock.now = created_at + EXPIRY + 10  # past the first expiry
    head = client.head(upload_id)
    assert head.status == 200
    assert head.headers["Upload-Expires"] == http_date(created_at + 1000 + EXPIRY)


def test_refused_patch_does_not_extend_the_expiry(client, clock):
    upload_id = client.create(5)
    expires = client.head(upload_id).headers["Upload-Expires"]
    clock.now += 100
    assert client.patch(upload_id, 3, b"ab").status == 409
    assert client.head(upload_id).headers["Upload-Expires"] == expires


def test_cleanup_keeps_an_upload_whose_patch_extended_it(client, store, clock):
    upload_id = client.create(5)
    clock.now += EXPIRY - 10
    client.patch(upload_id, 0, b"ab")
    clock.now += 20
    assert cleanup(store, clock=clock).removed_ids == []
    clock.now += EXPIRY
    assert cleanup(store, clock=clock).removed_ids == [upload_id]


def store_has(client, upload_id):
    return upload_id in client.handler.store.list_ids()


# -- busy uploads ---------------------------------------------------------------


class SlowBody(io.RawIOBase):
    """A request body that stops after its first bytes until released."""

    def __init__(self, first, rest):
        self.parts = [first, rest]
        self.first_sent = threading.Event()
        self.release = threading.Event()

    def readable(self):
        return True

    def read(self, size=-1):
        if not self.parts:
            return b""
        if len(self.parts) == 1:
            self.release.wait(10)
        part = self.parts.pop(0)
        self.first_sent.set()
        return part


def test_never_touches_an_upload_being_patched(client, store, clock):
    upload_id = client.create(6)
    body = SlowBody(b"abc", b"def")
    replies = []
    writer = threading.Thread(
        target=lambda: replies.append(
            client.request(
                "PATCH",
                upload_id,
                body=body,
                content_length=6,
                headers={
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": "0",
                },
            )
        )
    )
    writer.start()
    assert body.first_sent.wait(5)
    clock.now += 10**6  # expired by the clock, yet a PATCH is writing
    summary = cleanup(store, clock=clock)
    body.release.set()
    writer.join(5)
    assert summary.removed_ids == []
    assert summary.skipped_locked == [upload_id]
    assert replies[0].status == 204
    assert store.get_info(upload_id).offset == 6


def test_never_touches_an_upload_locked_by_another_process(client, store, clock):
    upload_id = client.create(5)
    holder = hold_lock_in_subprocess(store, upload_id)
    try:
        clock.now += 10**6
        summary = cleanup(store, clock=clock)
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert summary.skipped_locked == [upload_id]
    assert store.list_ids() == [upload_id]
    assert cleanup(store, clock=clock).removed_ids == [upload_id]


def hold_lock_in_subprocess(store, upload_id):
    """Start a process holding the upload's lock until its stdin closes."""
    script = (
        "import sys\n"
        "from collective.tusupload.core.filestore.locker import FileLocker\n"
        f"with FileLocker({store.directory!r}).lock({upload_id!r}):\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


# -- concatenation, idleness, dry runs ----------------------------------------


def test_keeps_an_expired_partial_that_an_open_final_upload_needs(client, store, clock):
    done = client.create(3, headers={"Upload-Concat": "partial"})
    client.patch(done, 0, b"abc")
    pending = client.create(3, headers={"Upload-Concat": "partial"})
    clock.now += EXPIRY - 100
    client.patch(pending, 0, b"d")  # keeps the pending partial alive
    urls = " ".join(f"{BASE_URL}/{upload_id}" for upload_id in (done, pending))
    final = client.create(headers={"Upload-Concat": f"final;{urls}"})
    clock.now += 200  # the first partial expired; the final did not
    assert cleanup(store, clock=clock).removed_ids == []
    assert client.patch(pending, 1, b"ef").status == 204
    head = client.head(final)
    assert head.status == 200
    assert head.headers["Upload-Offset"] == "6"


def test_removes_partials_of_an_expired_final_upload(client, store, clock):
    partial = client.create(3, headers={"Upload-Concat": "partial"})
    other = client.create(3, headers={"Upload-Concat": "partial"})
    urls = f"{BASE_URL}/{partial} {BASE_URL}/{other}"
    final = client.create(headers={"Upload-Concat": f"final;{urls}"})
    clock.now += EXPIRY + 1
    summary = cleanup(store, clock=clock)
    assert sorted(summary.removed_ids) == sorted([partial, other, final])
    assert names(store) == []


def test_older_than_removes_idle_uploads_before_their_expiry(client, store, clock):
    idle = client.create(5)
    old = time.time() - 600
    for path in (store.info_path(idle), store.data_path(idle)):
        os.utime(path, (old, old))
    busy = client.create(5)
    summary = cleanup(store, older_than=300)
    assert summary.removed_ids == [idle]
    assert store.list_ids() == [busy]


def test_dry_run_creates_and_removes_no_file(client, store, clock):
    expired = client.create(5)
    orphan = "e" * 32
    write(store, orphan + ".data", b"12")
    write(store, "f" * 32 + ".lock", b"pid=999999 host=gone time=0\n")
    clock.now = time.time() + 10**6
    before = names(store)
    summary = cleanup(store, clock=clock, dry_run=True)
    assert names(store) == before
    assert summary.removed_ids == [expired, orphan]
    assert summary.stale_locks == ["f" * 32]
    assert str(summary).startswith("would remove 1 expired upload(s), 1 orphan(s)")


def test_leaves_no_lock_files_behind(client, store, clock):
    for _ in range(3):
        client.patch(client.create(5), 0, b"a")
    write(store, "a" * 32 + ".data", b"123")
    clock.now = time.time() + 10**6
    summary = cleanup(store, clock=clock)
    assert len(summary.removed_ids) == 4
    assert names(store) == []


def test_summary_reads_as_one_line(client, store, clock):
    client.patch(client.create(2048), 0, b"x" * 2048)
    clock.now += 10**6
    text = str(cleanup(store, clock=clock))
    assert "\n" not in text
    assert text.startswith("removed 1 expired upload(s), 0 orphan(s), 0 stale lock(s)")
    assert "KiB" in text


def test_negative_older_than_is_refused(store):
    with pytest.raises(ValueError):
        cleanup(store, older_than=-1)


# -- stale locks ----------------------------------------------------------------


def test_removes_lock_file_of_a_dead_process_on_this_host(store, clock):
    upload_id = "1" * 32
    write(store, upload_id + ".lock", holder_line(dead_pid()))
    clock.now = time.time() + 10**6
    summary = cleanup(store, clock=clock)
    assert summary.stale_locks == [upload_id]
    assert summary.removed_ids == []
    assert names(store) == []


def test_keeps_lock_file_of_a_live_process_on_this_host(store, clock):
    upload_id = "2" * 32
    write(store, upload_id + ".lock", holder_line(os.getppid()))
    clock.now = time.time() + 10**6
    summary = cleanup(store, clock=clock)
    assert summary.stale_locks == []
    assert summary.skipped_locked == [upload_id]
    assert names(store) == [upload_id + ".lock"]


def test_keeps_lock_file_that_is_held(store, clock):
    upload_id = "3" * 32
    holder = hold_lock_in_subprocess(store, upload_id)
    try:
        clock.now = time.time() + 10**6
        summary = cleanup(store, clock=clock)
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert summary.skipped_locked == [upload_id]
    assert cleanup(store, clock=clock).stale_locks == [upload_id]  # holder died
    assert names(store) == []


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def holder_line(pid):
    return f"pid={pid} host={socket.gethostname()} time=0\n".encode()


def write(store, name, content):
    with open(os.path.join(store.directory, name), "wb") as leftover:
        leftover.write(content)


# -- sweeping: once per interval, one process at a time --------------------------


def test_sweep_runs_at_most_once_per_interval(client, store, clock):
    upload_id = client.create(5)
    clock.now += 10**6
    wall = WallClock(1000.0)
    first = sweep(store.directory, interval=60, wall_clock=wall, clock=clock)
    assert first.removed_ids == [upload_id]
    assert last_sweep(store.directory) == 1000.0
    wall.now += 59
    assert sweep(store.directory, interval=60, wall_clock=wall, clock=clock) is None
    wall.now += 1
    assert sweep(store.directory, interval=60, wall_clock=wall) is not None


def test_sweep_skips_while_another_process_sweeps(store):
    path = os.path.join(store.directory, ".sweep.lock")
    with open(path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        assert sweep(store.directory) is None
    assert sweep(store.directory) is not None


def test_sweep_of_a_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        sweep(tmp_path / "nowhere")


def test_sweep_files_are_not_taken_for_uploads(store, clock):
    sweep(store.directory)
    clock.now = time.time() + 10**6
    summary = cleanup(store, clock=clock)
    assert not summary.removed_anything
    assert sorted(names(store)) == [".last-sweep", ".sweep.lock"]


def run_together(script: str, directory: str, *, processes: int) -> list:
    """Run ``script`` in several processes released at once; their JSON output."""
    sweepers = [
        subprocess.Popen(
            [sys.executable, "-c", script, directory],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for sweeper in sweepers:
        sweeper.stdin.write("go\n")
        sweeper.stdin.flush()
    results = []
    for sweeper in sweepers:
        out, err = sweeper.communicate(timeout=60)
        assert sweeper.returncode == 0, err
        results.append(json.loads(out))
    return results


SWEEPER = """
import json, sys
from collective.tusupload.core.cleanup import cleanup
from collective.tusupload.core.filestore.store import FileStore
sys.stdin.readline()  # start together
summary = cleanup(FileStore(sys.argv[1], fsync=False), clock=lambda: 4e9)
print(json.dumps(summary.to_dict()))
"""


def test_two_processes_cleaning_one_directory_remove_each_file_once(make_client, store):
    client = make_client(clock=lambda: 1e9)
    expired = {client.create(4) for _ in range(150)}
    orphans = {f"{index:032x}" for index in range(1, 41)}
    for upload_id in orphans:
        write(store, upload_id + ".data", b"1234")
    stale = {f"{index:032x}" for index in range(100, 120)}
    for upload_id in stale:
        write(store, upload_id + ".lock", holder_line(0))
    results = run_together(SWEEPER, store.directory, processes=2)
    removed = [i for result in results for i in result["removed_ids"]]
    locks = [i for result in results for i in result["stale_locks"]]
    assert sorted(removed) == sorted(expired | orphans)
    assert sorted(locks) == sorted(stale)
    assert sum(result["freed_bytes"] for result in results) > 0
    assert names(store) == []


SCHEDULED_SWEEPER = """
import json, sys
from collective.tusupload.core.sweep import sweep
sys.stdin.readline()  # start together
summary = sweep(sys.argv[1], interval=3600)
print(json.dumps(None if summary is None else summary.to_dict()))
"""


def test_of_processes_sweeping_on_an_interval_one_sweeps(make_client, store):
    client = make_client(clock=lambda: 1e9)
    expired = {client.create(4) for _ in range(50)}
    results = run_together(SCHEDULED_SWEEPER, store.directory, processes=3)
    done = [result for result in results if result is not None]
    assert len(done) == 1
    assert sorted(done[0]["removed_ids"]) == sorted(expired)
    assert store.list_ids() == []


def test_finished_record_stays_until_it_expires(client, store, clock):
    """A finished upload's record has no data, and still answers HEAD."""
    upload_id = client.create(3)
    client.patch(upload_id, 0, b"abc")
    store.remove_data(upload_id)  # as a host does when it takes the upload
    assert store.get_info(upload_id).finished
    assert cleanup(store, clock=clock).removed_ids == []
    assert client.head(upload_id).headers["Upload-Offset"] == "3"
    clock.now += 86400
    assert cleanup(store, clock=clock).removed_ids == [upload_id]
    assert store.list_ids() == []
