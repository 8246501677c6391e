"""PATCH: offsets, content type, data past length, finishing, replay_finish, memory."""

from collective.tusupload.core import Handler
from collective.tusupload.core import Hooks

import pytest


def data_of(store, upload_id):
    with store.open_data(upload_id) as data:
        return data.read()


def test_patch_appends_and_answers_new_offset(client, store):
    upload_id = client.create(6)
    response = client.patch(upload_id, 0, b"abc")
    assert response.status == 204
    assert response.headers["Upload-Offset"] == "3"
    assert client.patch(upload_id, 3, b"def").headers["Upload-Offset"] == "6"
    assert data_of(store, upload_id) == b"abcdef"


@pytest.mark.parametrize(
    "content_type", [None, "application/octet-stream", "text/plain"]
)
def test_patch_with_wrong_content_type_is_415(client, store, content_type):
    upload_id = client.create(3)
    headers = {"Upload-Offset": "0"}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.request("PATCH", upload_id, body=b"abc", headers=headers)
    assert response.status == 415
    assert store.get_info(upload_id).offset == 0


def test_patch_content_type_parameters_are_tolerated(client):
    upload_id = client.create(3)
    response = client.patch(
        upload_id,
        0,
        b"abc",
        headers={"Content-Type": "application/offset+octet-stream; x=1"},
    )
    assert response.status == 204


def test_patch_without_offset_is_400(client):
    upload_id = client.create(3)
    response = client.request(
        "PATCH",
        upload_id,
        body=b"abc",
        headers={"Content-Type": "application/offset+octet-stream"},
    )
    assert response.status == 400


@pytest.mark.parametrize("value", ["-1", "+0", " 0", "0x0", "1e0", "", "0.0", "9" * 21])
def test_patch_with_bad_offset_is_400(client, store, value):
    upload_id = client.create(3)
    assert client.patch(upload_id, value, b"abc").status == 400
    assert store.get_info(upload_id).offset == 0


@pytest.mark.parametrize("value", ["-1", "abc", "1 "])
def test_bad_content_length_header_is_400(client, value):
    upload_id = client.create(3)
    response = client.patch(
        upload_id, 0, b"abc", headers={"Content-Length": value}, content_length=None
    )
    assert response.status == 400


def test_patch_with_wrong_offset_is_409_and_writes_nothing(client, store):
    upload_id = client.create(6)
    client.patch(upload_id, 0, b"abc")
    assert client.patch(upload_id, 2, b"XYZ").status == 409
    assert client.patch(upload_id, 4, b"XY").status == 409
    assert data_of(store, upload_id) == b"abc"
    assert store.get_info(upload_id).offset == 3


def test_stale_retry_never_appends_twice(client, store):
    upload_id = client.create(9)
    client.patch(upload_id, 0, b"abc")
    client.patch(upload_id, 3, b"def")
    assert client.patch(upload_id, 3, b"def").status == 409
    assert client.patch(upload_id, 6, b"ghi").status == 204
    assert data_of(store, upload_id) == b"abcdefghi"


def test_data_past_length_is_413_before_reading(client, store):
    class ExplodingBody:
        def read(self, size=-1):
            raise AssertionError("read although Content-Length exceeds the length")

    upload_id = client.create(3)
    response = client.patch(upload_id, 0, ExplodingBody(), content_length=4)
    assert response.status == 413
    assert store.get_info(upload_id).offset == 0


def test_data_past_length_without_content_length_is_413_and_discarded(client, store):
    upload_id = client.create(5)
    client.patch(upload_id, 0, b"ab")
    response = client.patch(upload_id, 2, b"cdefgh", content_length=None)
    assert response.status == 413
    assert store.get_info(upload_id).offset == 2
    assert data_of(store, upload_id) == b"ab"


def test_body_exactly_up_to_length_without_content_length_is_accepted(client, store):
    upload_id = client.create(5)
    assert client.patch(upload_id, 0, b"abcde", content_length=None).status == 204
    assert store.get_info(upload_id).finished


def test_empty_patch_at_current_offset_is_a_no_op(client, store):
    upload_id = client.create(5)
    client.patch(upload_id, 0, b"ab")
    response = client.patch(upload_id, 2, b"")
    assert response.status == 204
    assert response.headers["Upload-Offset"] == "2"


def test_patch_without_body_is_a_no_op(client):
    upload_id = client.create(5)
    response = client.patch(upload_id, 0, None, content_length=None)
    assert response.status == 204
    assert response.headers["Upload-Offset"] == "0"


def test_patch_on_finished_upload_with_data_is_413(client, store):
    upload_id = client.create(2)
    client.patch(upload_id, 0, b"ab")
    assert client.patch(upload_id, 2, b"c").status == 413
    assert data_of(store, upload_id) == b"ab"


class ShortBody:
    """Delivers some bytes and then fails like a dropped connection."""

    def __init__(self, payload, error=None):
        self.payload = payload
        self.error = error

    def read(self, size=-1):
        if self.payload:
            block, self.payload = self.payload[:size], self.payload[size:]
            return block
        if self.error:
            raise self.error
        return b""


def test_client_disconnect_keeps_bytes_that_arrived(client, store):
    upload_id = client.create(10)
    response = client.patch(
        upload_id, 0, ShortBody(b"abcd", OSError("reset")), content_length=10
    )
    assert response.status == 204
    assert response.headers["Upload-Offset"] == "4"
    assert client.patch(upload_id, 4, b"efghij").status == 204
    assert data_of(store, upload_id) == b"abcdefghij"


def test_short_body_keeps_bytes_that_arrived(client, store):
    upload_id = client.create(10)
    response = client.patch(upload_id, 0, ShortBody(b"abc"), content_length=10)
    assert response.headers["Upload-Offset"] == "3"
    assert store.get_info(upload_id).offset == 3


class SpyBody:
    """A generator-like body of ``total`` bytes recording the largest read size."""

    def __init__(self, total):
        self.remaining = total
        self.largest_request = 0
        self.reads = 0

    def read(self, size=-1):
        self.largest_request = max(
            self.largest_request, size if size >= 0 else float("inf")
        )
        self.reads += 1
        size = self.remaining if size < 0 else min(size, self.remaining)
        self.remaining -= size
        return b"x" * size


@pytest.mark.parametrize("content_length", [64 << 20, None])
def test_64_mib_patch_reads_in_bounded_blocks(make_client, store, content_length):
    client = make_client(block_size=1 << 20)
    upload_id = client.create(64 << 20)
    body = SpyBody(64 << 20)
    response = client.patch(upload_id, 0, body, content_length=content_length)
    assert response.status == 204
    assert body.largest_request <= 1 << 20
    assert store.get_info(upload_id).offset == 64 << 20


def test_creation_with_upload_reads_in_bounded_blocks(make_client):
    client = make_client(block_size=4096)
    body = SpyBody(100_000)
    response = client.request(
        "POST",
        body=body,
        headers={
            "Upload-Length": "100000",
            "Content-Type": "application/offset+octet-stream",
        },
        content_length=100_000,
    )
    assert response.status == 201
    assert body.largest_request <= 4096


# -- finishing -------------------------------------------------------------------


class RecordingHooks(Hooks):
    def __init__(self, content=None):
        self.finished = []
        self.content = content

    def after_finish(self, request, info, finishing):
        self.finished.append((info.id, info.offset))
        return self.content


class DeferringHooks(Hooks):
    """A host that commits later, like a Zope transaction or a WSGI app."""

    def __init__(self):
        self.pending = []

    def after_finish(self, request, info, finishing):
        finishing.defer()
        self.pending.append(finishing)
        return {"url": f"http://x/{info.id}"}


def test_after_finish_runs_once_when_complete(store, clock, client_for):
    hooks = RecordingHooks()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    assert hooks.finished == []
    client.patch(upload_id, 2, b"cd")
    assert hooks.finished == [(upload_id, 4)]
    assert client.patch(upload_id, 1, b"cd").status == 409
    assert client.patch(upload_id, 4, b"").status == 204
    assert client.patch(upload_id, 2, b"cd").status == 204
    assert hooks.finished == [(upload_id, 4)]
    assert store.get_info(upload_id).finished


def test_final_reply_is_204_with_the_content_url(store, clock, client_for):
    hooks = RecordingHooks({"url": "http://x/doc"})
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(2)
    response = client.patch(upload_id, 0, b"ab")
    assert response.status == 204
    assert response.body == b""
    assert response.headers["Content-Location"] == "http://x/doc"
    assert response.headers["Upload-Offset"] == "2"
    assert response.headers["Tus-Resumable"] == "1.0.0"


def test_finished_upload_answers_head_and_replays_until_it_expires(
    store, clock, client_for
):
    hooks = RecordingHooks({"url": "http://x/doc"})
    client = client_for(Handler(store, clock=clock, hooks=hooks, expiry=60))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    client.patch(upload_id, 2, b"cd")
    head = client.head(upload_id)
    assert head.status == 200
    assert head.body == b""
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == ("4", "4")
    assert head.headers["Content-Location"] == "http://x/doc"
    assert head.headers["Cache-Control"] == "no-store"
    for offset, chunk in ((2, b"cd"), (4, b"")):
        replay = client.patch(upload_id, offset, chunk)
        assert replay.status == 204
        assert replay.headers["Content-Location"] == "http://x/doc"
    assert len(hooks.finished) == 1
    clock.now += 61
    assert client.head(upload_id).status == 410


def test_deferred_finish_acknowledges_nothing_until_committed(store, clock, client_for):
    hooks = DeferringHooks()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    assert client.patch(upload_id, 2, b"cd").status == 204
    # The host has not committed: the last chunk is not acknowledged, and
    # the upload stays locked against a concurrent retry.
    assert client.head(upload_id).headers["Upload-Offset"] == "2"
    assert client.patch(upload_id, 2, b"cd").status == 423
    hooks.pending.pop().commit({"url": "http://x/doc"})
    head = client.head(upload_id)
    assert head.headers["Upload-Offset"] == "4"
    assert head.headers["Content-Location"] == "http://x/doc"
    assert not store.has_data(upload_id)
    assert client.patch(upload_id, 2, b"cd").status == 204
    assert hooks.pending == []


def test_aborted_finish_is_finished_by_the_retried_last_chunk(store, clock, client_for):
    hooks = DeferringHooks()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    client.patch(upload_id, 2, b"cd")
    hooks.pending.pop().abort()
    head = client.head(upload_id)
    assert head.headers["Upload-Offset"] == "2"
    assert "Content-Location" not in head.headers
    assert client.patch(upload_id, 4, b"").status == 409
    assert client.patch(upload_id, 2, b"cd").status == 204
    hooks.pending.pop().commit({})
    assert store.get_info(upload_id).finished


def test_finish_the_host_took_before_a_crash_is_found_not_repeated(
    store, clock, client_for
):
    taken = {}

    class RecordingHost(DeferringHooks):
        def find_finished(self, request, info):
            return taken.get(info.id)

    hooks = RecordingHost()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    client.patch(upload_id, 2, b"cd")
    # The host committed its content, then died before recording it.
    taken[upload_id] = {"url": "http://x/doc"}
    hooks.pending.pop().lease.release()
    head = client.head(upload_id)
    assert head.headers["Upload-Offset"] == "4"
    assert head.headers["Content-Location"] == "http://x/doc"
    assert not store.get_info(upload_id).finished  # HEAD changed nothing
    replay = client.patch(upload_id, 2, b"cd")
    assert replay.status == 204
    assert replay.headers["Content-Location"] == "http://x/doc"
    assert hooks.pending == []
    assert store.get_info(upload_id).finished


def test_after_finish_failure_leaves_upload_unfinished_and_retry_finishes(
    store, clock, client_for
):
    from collective.tusupload.core import HookRefused

    class FlakyHooks(Hooks):
        calls = 0

        def after_finish(self, request, info, finishing):
            self.calls += 1
            if self.calls == 1:
                raise HookRefused(403, "not allowed here")

    hooks = FlakyHooks()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(2)
    assert client.patch(upload_id, 0, b"ab").status == 403
    assert not store.get_info(upload_id).finished
    assert client.head(upload_id).headers["Upload-Offset"] == "0"
    assert client.patch(upload_id, 0, b"ab").status == 204
    assert store.get_info(upload_id).finished


def test_discard_removes_a_finished_upload(client, store):
    upload_id = client.create(2)
    client.patch(upload_id, 0, b"ab")
    assert client.handler.engine.discard(upload_id) > 2
    assert client.head(upload_id).status == 404
    assert store.list_ids() == []


def test_a_retry_whose_body_was_read_already_finishes_the_stored_chunk(
    store, clock, client_for
):
    """Zope re-runs a request after a ConflictError with the same body stream;
    a streaming server has nothing left in it, but the chunk is stored."""
    hooks = DeferringHooks()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    assert client.patch(upload_id, 2, b"cd").status == 204
    hooks.pending.pop().abort()  # the transaction hit a ConflictError
    retry = client.patch(upload_id, 2, b"", content_length=2)
    assert (retry.status, retry.headers["Upload-Offset"]) == (204, "4")
    with store.open_data(upload_id) as data:
        assert data.read() == b"abcd"
    hooks.pending.pop().commit({})
    assert store.get_info(upload_id).finished


def test_a_retry_with_its_body_writes_it_as_usual(store, clock, client_for):
    hooks = DeferringHooks()
    client = client_for(Handler(store, clock=clock, hooks=hooks))
    upload_id = client.create(4)
    client.patch(upload_id, 0, b"ab")
    client.patch(upload_id, 2, b"cd")
    hooks.pending.pop().abort()
    assert client.patch(upload_id, 2, b"CD").status == 204
    finishing = hooks.pending.pop()
    with store.open_data(upload_id) as data:
        assert data.read() == b"abCD"
    finishing.commit({}, keep_data=True)


def test_an_empty_body_without_a_stored_chunk_is_a_cut_body(store, clock, client_for):
    client = client_for(Handler(store, clock=clock, hooks=DeferringHooks()))
    upload_id = client.create(4)
    response = client.patch(upload_id, 0, b"", content_length=4)
    assert response.headers["Upload-Offset"] == "0"
    assert not store.get_info(upload_id).finishing
