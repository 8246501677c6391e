"""Appends through the front server: the host says yes, a body thread stores.

The tus filter (a host that knows the hand-off) runs behind a real front
server; clients are raw sockets and ``requests``, so that bodies can be cut,
stalled and dribbled on purpose.
"""

from collective.tusupload.adapters.completion import NoteCompletion
from collective.tusupload.adapters.wsgi import Filter
from collective.tusupload.core.errors import HookRefused
from helpers.front import read_reply

import hashlib
import logging
import os
import pytest
import requests
import threading
import time


TUS = {"Tus-Resumable": "1.0.0"}
MIB = 1 << 20


class Received:
    """The app behind the filter: notes each finished upload's sha256."""

    def __init__(self) -> None:
        self.finished: dict[str, str] = {}
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        if "tus.filepath" in environ:
            with open(environ["tus.filepath"], "rb") as data:
                digest = hashlib.file_digest(data, "sha256").hexdigest()
            self.finished[environ["tus.upload_id"]] = digest
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"page"]


class Switch(NoteCompletion):
    """Filter hooks whose ``before_append`` refuses while ``refuse`` is set."""

    def __init__(self) -> None:
        super().__init__(defer=True)
        self.refuse = False
        #: Seconds the host takes to decide on each append.
        self.decide_in = 0.0
        #: When each decision was made (time.monotonic()).
        self.decided_at: list[float] = []

    def before_append(self, request, info) -> None:
        time.sleep(self.decide_in)
        self.decided_at.append(time.monotonic())
        if self.refuse:
            raise HookRefused(403, "you may no longer add here")


@pytest.fixture
def uploads(front, tmp_path):
    """``uploads(**settings)``: (server, app, hooks) with the filter on /files."""

    def start(**settings):
        app = Received()
        hooks = Switch()
        tus = Filter(
            app,
            tmp_file_dir=str(tmp_path / "uploads"),
            upload_path="/files",
            keep_finished=True,
            handler_options={"hooks": hooks},
        )
        return front(tus, **settings), app, hooks

    return start


def create(server, length: int) -> str:
    reply = requests.post(
        server.url + "/files", headers={**TUS, "Upload-Length": str(length)}
    )
    assert reply.status_code == 201, reply.text
    return reply.headers["Location"]


def offset_of(url: str) -> int:
    reply = requests.head(url, headers=TUS)
    assert reply.status_code == 200
    return int(reply.headers["Upload-Offset"])


def patch_head(url: str, offset: int, length: int, *extra: str) -> bytes:
    path = url.split("/", 3)[3]
    lines = [
        f"PATCH /{path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Tus-Resumable: 1.0.0",
        f"Upload-Offset: {offset}",
        "Content-Type: application/offset+octet-stream",
        f"Content-Length: {length}",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def patch(url: str, data: bytes, offset: int) -> requests.Response:
    return requests.patch(
        url,
        data=data,
        headers={
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
    )


def test_an_upload_in_chunks_is_finished_once_and_identical(uploads):
    server, app, _ = uploads()
    data = os.urandom(5 * MIB + 3)
    url = create(server, len(data))
    for offset in range(0, len(data), 2 * MIB):
        reply = patch(url, data[offset : offset + 2 * MIB], offset)
        assert reply.status_code in (200, 204), reply.text
    assert offset_of(url) == len(data)
    upload_id = url.rsplit("/", 1)[-1]
    assert app.finished == {upload_id: hashlib.sha256(data).hexdigest()}


def test_a_cut_body_keeps_what_arrived_and_resumes(uploads):
    server, app, _ = uploads()
    data = os.urandom(8 * MIB)
    url = create(server, len(data))
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, len(data)))
        sock.sendall(data[: 3 * MIB])
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while (kept := offset_of(url)) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 2 * MIB <= kept <= 3 * MIB
    assert patch(url, data[kept:], kept).status_code in (200, 204)
    assert app.finished[url.rsplit("/", 1)[-1]] == hashlib.sha256(data).hexdigest()


def test_a_body_that_stalls_is_cut_after_the_timeout_and_keeps_its_bytes(uploads):
    server, _, _ = uploads(body_timeout=0.5)
    url = create(server, 4 * MIB)
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, 4 * MIB))
        sock.sendall(b"x" * MIB)
        status, headers, _ = read_reply(sock)
    assert status == 204
    assert headers["upload-offset"] == str(MIB)
    assert headers["connection"] == "close"


def test_a_refused_append_leaves_the_connection_usable_or_says_close(uploads):
    server, _, _ = uploads()
    url = create(server, 4 * MIB)
    with server.connect() as sock:
        # A stale offset with a small body: drained, the connection is reused.
        sock.sendall(patch_head(url, 5, 1000) + b"y" * 1000)
        status, headers, _ = read_reply(sock)
        assert (status, headers["connection"]) == (409, "keep-alive")
        sock.sendall(patch_head(url, 0, 10) + b"z" * 10)
        status, headers, _ = read_reply(sock)
        assert (status, headers["upload-offset"]) == (204, "10")
        # A large body is not read: the reply says so and the server closes.
        sock.sendall(patch_head(url, 5, 3 * MIB) + b"y" * 1000)
        status, headers, _ = read_reply(sock)
        assert (status, headers["connection"]) == (409, "close")


def test_expect_continue_is_answered_only_when_the_body_is_wanted(uploads):
    server, _, _ = uploads()
    url = create(server, 100)
    with server.connect() as sock:
        sock.sendall(patch_head(url, 7, 50, "Expect: 100-continue"))
        status, headers, _ = read_reply(sock)
        assert (status, headers["connection"]) == (409, "close")
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, 50, "Expect: 100-continue"))
        assert read_reply(sock)[0] == 100
        sock.sendall(b"a" * 50)
        status, headers, _ = read_reply(sock)
        assert (status, headers["upload-offset"]) == (204, "50")


def test_a_chunked_append_is_stored(uploads):
    server, _, _ = uploads()
    data = os.urandom(3 * MIB)
    url = create(server, len(data))
    reply = requests.patch(
        url,
        data=(data[index : index + 300_000] for index in range(0, len(data), 300_000)),
        headers={
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert reply.status_code in (200, 204), reply.text
    assert offset_of(url) == len(data)


def test_a_long_body_is_authorised_again_and_cut_when_refused(uploads):
    server, _, hooks = uploads(recheck_after=0.3)
    url = create(server, 8 * MIB)
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, 8 * MIB))
        sock.sendall(b"a" * MIB)
        time.sleep(0.5)
        sock.sendall(b"b" * MIB)  # authorised again: still the owner's right
        time.sleep(0.5)
        hooks.refuse = True
        sock.sendall(b"c" * MIB)
        status, headers, body = read_reply(sock)
    assert status == 403
    assert headers["connection"] == "close"
    assert b"you may no longer add here" in body
    # What arrived while the append was authorised is kept, nothing after.
    hooks.refuse = False
    assert MIB <= offset_of(url) <= 2 * MIB


def test_slow_uploads_hold_no_application_thread(uploads):
    server, _, _ = uploads(threads=1)
    slow = []
    for _ in range(12):
        url = create(server, 64 * MIB)
        sock = server.connect()
        sock.sendall(patch_head(url, 0, 64 * MIB) + b"s" * 1000)
        slow.append(sock)
    time.sleep(0.3)
    times = []
    for _ in range(10):
        started = time.monotonic()
        assert requests.get(server.url + "/page", timeout=5).text == "page"
        times.append(time.monotonic() - started)
    # Each well within the body timeout that would free the uploads' slots.
    assert max(times) < 5
    for sock in slow:
        sock.close()


def test_an_app_that_does_not_know_the_handoff_reads_the_body_itself(front):
    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("204 No Content", [])
        return []

    server = front(app)
    reply = requests.patch(
        server.url + "/x",
        data=b"q" * 300_000,
        headers={"Content-Type": "application/offset+octet-stream"},
    )
    assert reply.status_code == 204
    assert seen == [b"q" * 300_000]


def test_each_stored_append_is_logged_with_its_range(uploads, caplog):
    server, _, _ = uploads()
    url = create(server, 10)
    with caplog.at_level(logging.INFO, logger="collective.tusupload.access"):
        assert patch(url, b"0123", 0).status_code == 204
    upload_id = url.rsplit("/", 1)[-1]
    lines = [r.getMessage() for r in caplog.records if r.name.endswith("access")]
    assert f"127.0.0.1 - PATCH {upload_id} 0-4 204" in lines


def test_a_stop_at_once_cuts_bodies_in_flight_and_keeps_them(uploads):
    server, _, _ = uploads()
    url = create(server, 8 * MIB)
    sock = server.connect()
    sock.sendall(patch_head(url, 0, 8 * MIB) + b"k" * (2 * MIB))
    time.sleep(0.3)
    stopper = threading.Thread(target=server.stop, kwargs={"graceful": False})
    stopper.start()
    stopper.join(30)
    sock.close()
    upload_id = url.rsplit("/", 1)[-1]
    info_path = server.server.app.store.info_path(upload_id)
    assert os.path.exists(info_path)
    assert server.server.app.store.get_info(upload_id).offset == 2 * MIB


# -- reading ahead while the host decides (deploy/front/prefetch.py) -----------


@pytest.fixture
def patient_read_ahead(monkeypatch):
    """Read ahead waits long enough for a body on a machine busy with tests."""
    from collective.tusupload.deploy.front import uploads as front_uploads

    monkeypatch.setattr(front_uploads, "READ_AHEAD_WAIT", 5.0)


@pytest.mark.parametrize("read_ahead", [32 * MIB, 0], ids=["ahead", "not-ahead"])
def test_a_body_is_received_while_the_host_decides(
    uploads, patient_read_ahead, read_ahead
):
    # 32 MiB is more than the kernel's socket buffers hold on loopback: the
    # client's send can only end before the host's yes if the server read on.
    server, app, hooks = uploads(read_ahead=read_ahead, read_ahead_total=32 * MIB)
    data = os.urandom(32 * MIB)
    url = create(server, len(data) + 1)
    hooks.decide_in = 1.0
    with server.connect(timeout=30) as sock:
        sock.sendall(patch_head(url, 0, len(data)) + data)
        sent_at = time.monotonic()
        status, headers, _ = read_reply(sock)
    assert (status, headers["upload-offset"]) == (204, str(len(data)))
    assert (sent_at < hooks.decided_at[0]) is bool(read_ahead)
    hooks.decide_in = 0.0
    assert patch(url, b"!", len(data)).status_code in (200, 204)
    [digest] = app.finished.values()
    assert digest == hashlib.sha256(data + b"!").hexdigest()


def test_a_body_read_ahead_is_not_stored_when_refused(uploads, patient_read_ahead):
    server, _, hooks = uploads()
    url = create(server, 4 * MIB)
    hooks.refuse = True
    hooks.decide_in = 0.3
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, MIB) + b"x" * MIB)
        status, headers, body = read_reply(sock)
        assert status == 403
        assert b"you may no longer add here" in body
        if headers.get("connection") != "close":
            # The body was drained: the connection serves the next request.
            sock.sendall(b"GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_reply(sock)[0] == 200
    hooks.refuse = False
    assert offset_of(url) == 0


def test_a_slow_start_is_stored_whole(uploads):
    # Read ahead gives up after READ_AHEAD_WAIT; the rest streams as before.
    server, app, _ = uploads()
    data = os.urandom(2 * MIB)
    url = create(server, len(data))
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, len(data)) + data[:100_000])
        time.sleep(0.3)
        sock.sendall(data[100_000:])
        status, headers, _ = read_reply(sock)
    assert (status, headers["upload-offset"]) == (204, str(len(data)))
    assert list(app.finished.values()) == [hashlib.sha256(data).hexdigest()]


def test_a_disconnect_while_the_host_decides_keeps_what_arrived(
    uploads, patient_read_ahead
):
    server, _, hooks = uploads()
    url = create(server, 4 * MIB)
    hooks.decide_in = 0.5
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, 4 * MIB) + b"k" * 300_000)
        time.sleep(0.1)
    deadline = time.monotonic() + 10
    while offset_of(url) != 300_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert offset_of(url) == 300_000


def test_appends_past_the_read_ahead_budget_are_stored_without_it(uploads):
    server, app, hooks = uploads(read_ahead=MIB, read_ahead_total=MIB)
    hooks.decide_in = 0.2
    files = [os.urandom(3 * MIB) for _ in range(3)]
    urls = [create(server, len(data)) for data in files]
    replies = {}

    def send(url, data):
        replies[url] = patch(url, data, 0)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(urls, files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(reply.status_code in (200, 204) for reply in replies.values())
    assert sorted(app.finished.values()) == sorted(
        hashlib.sha256(data).hexdigest() for data in files
    )
    # One buffer was made, and it was lent out again and again.
    assert server.server.read_ahead_buffers.made == 1


def test_read_ahead_is_a_setting_of_bytes():
    from collective.tusupload.deploy.front.settings import FrontSettings

    assert FrontSettings.from_options({"read_ahead": "0"}).read_ahead == 0
    assert FrontSettings().read_ahead == 8 * MIB
    with pytest.raises(ValueError, match="read_ahead must be 0 or more"):
        FrontSettings.from_options({"read-ahead": "-1"})


def test_a_refusal_waits_for_reading_ahead_before_it_is_sent(uploads):
    # The socket is in blocking mode while the body's start is received: the
    # refusal is sent once that is over, and the loop serves others meanwhile.
    server, _, hooks = uploads()
    url = create(server, 4 * MIB)
    hooks.refuse = True
    with server.connect() as sock:
        sock.sendall(patch_head(url, 0, 4 * MIB))
        status, headers, _ = read_reply(sock)
        assert status == 403
        assert headers["connection"] == "close"
        assert requests.get(server.url + "/page", timeout=5).text == "page"
    assert server.server.read_ahead_buffers.made == 1
