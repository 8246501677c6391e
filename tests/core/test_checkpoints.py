"""A long append records its progress, so that a crash mid-body loses little.

A body is read from a stream that stops at a given byte until the test lets
it go on, so that the store can be looked at *during* the append, as a
process that starts after a crash would find it.
"""

from collective.tusupload.core.transfer import Checkpoints

import base64
import hashlib
import threading


KIB = 1024


class Gate:
    """A body stream that waits at ``stop_at`` until ``go`` is set."""

    def __init__(self, data: bytes, stop_at: int) -> None:
        self.data = data
        self.position = 0
        self.stop_at = stop_at
        self.reached = threading.Event()
        self.go = threading.Event()

    def read(self, size: int = -1) -> bytes:
        if self.position == self.stop_at:
            self.reached.set()
            assert self.go.wait(10)
        end = len(self.data) if size < 0 else self.position + size
        if self.position < self.stop_at:
            end = min(end, self.stop_at)
        block = self.data[self.position : end]
        self.position += len(block)
        return block


def checkpointing(make_client, **engine_settings):
    """A client whose engine records progress at the given intervals."""
    client = make_client(block_size=16 * KIB)
    for name, value in engine_settings.items():
        setattr(client.handler.engine, name, value)
    return client


def append_in_thread(client, upload_id, body, length, headers=None):
    replies = []
    thread = threading.Thread(
        target=lambda: replies.append(
            client.patch(upload_id, 0, body, headers=headers, content_length=length)
        )
    )
    thread.start()
    return thread, replies


def test_progress_is_recorded_every_interval_of_bytes(make_client, store):
    client = checkpointing(make_client, checkpoint_bytes=64 * KIB)
    data = bytes(range(256)) * 1024  # 256 KiB
    upload_id = client.create(len(data))
    gate = Gate(data, stop_at=200 * KIB)
    thread, replies = append_in_thread(client, upload_id, gate, len(data))
    assert gate.reached.wait(10)
    # What a process would find after a kill here: an offset whose bytes
    # are stored, one interval (64 KiB) or less behind.
    recorded = store.get_info(upload_id).offset
    assert 200 * KIB - 64 * KIB <= recorded <= 200 * KIB
    with store.open_data(upload_id) as stored:
        assert stored.read(recorded) == data[:recorded]
    gate.go.set()
    thread.join(10)
    assert replies[0].status == 204
    assert store.get_info(upload_id).offset == len(data)


def test_progress_is_recorded_every_interval_of_time(make_client, store):
    ticks = iter(range(1000))
    client = checkpointing(make_client, checkpoint_seconds=2.0)
    data = b"t" * (100 * KIB)
    upload_id = client.create(len(data))
    gate = Gate(data, stop_at=48 * KIB)
    original = Checkpoints.__init__

    def with_fast_clock(self, reach, **kwargs):
        kwargs["clock"] = lambda: next(ticks)  # one second a block
        original(self, reach, **kwargs)

    Checkpoints.__init__ = with_fast_clock
    try:
        thread, _ = append_in_thread(client, upload_id, gate, len(data))
        assert gate.reached.wait(10)
        assert store.get_info(upload_id).offset == 32 * KIB
        gate.go.set()
        thread.join(10)
    finally:
        Checkpoints.__init__ = original


def test_the_last_byte_is_never_recorded_before_the_finish(make_client, store):
    client = checkpointing(make_client, checkpoint_bytes=1)
    data = b"f" * (64 * KIB)
    upload_id = client.create(len(data))
    gate = Gate(data, stop_at=len(data))
    # Without a length the body is read past its end: all of it is stored
    # when the gate stops it.
    thread, replies = append_in_thread(client, upload_id, gate, None)
    assert gate.reached.wait(10)
    assert store.get_info(upload_id).offset < len(data)
    gate.go.set()
    thread.join(10)
    assert replies[0].headers["Upload-Offset"] == str(len(data))


def test_a_hashed_chunk_records_nothing_until_it_is_verified(make_client, store):
    client = checkpointing(make_client, checkpoint_bytes=1)
    data = b"h" * (64 * KIB)
    upload_id = client.create(2 * len(data))
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    gate = Gate(data, stop_at=48 * KIB)
    thread, replies = append_in_thread(
        client,
        upload_id,
        gate,
        len(data),
        headers={"Upload-Checksum": f"sha256 {digest}"},
    )
    assert gate.reached.wait(10)
    assert store.get_info(upload_id).offset == 0
    gate.go.set()
    thread.join(10)
    assert replies[0].headers["Upload-Offset"] == str(len(data))


def test_a_refused_chunk_takes_its_recorded_progress_with_it(make_client, store):
    """A chunked body that runs past the upload's length is refused whole."""
    client = checkpointing(make_client, checkpoint_bytes=16 * KIB)
    upload_id = client.create(64 * KIB)
    data = b"o" * (80 * KIB)
    gate = Gate(data, stop_at=48 * KIB)
    thread, replies = append_in_thread(client, upload_id, gate, None)
    assert gate.reached.wait(10)
    assert store.get_info(upload_id).offset > 0
    gate.go.set()
    thread.join(10)
    assert replies[0].status in (400, 413)
    assert store.get_info(upload_id).offset == 0
    with store.open_data(upload_id) as stored:
        assert stored.read() == b""
