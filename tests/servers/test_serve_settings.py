"""``deploy.config``, ``deploy.gunicorn`` and ``deploy.streaming`` without a
running server: which server, which settings, which bodies stream."""

from collective.tusupload.deploy import config as server_config
from collective.tusupload.deploy.gunicorn import gunicorn_settings
from collective.tusupload.deploy.startup import freeze_startup_objects
from collective.tusupload.deploy.streaming import GunicornSocketBody
from collective.tusupload.deploy.streaming import StreamedBody
from collective.tusupload.deploy.streaming import StreamUploadBodies
from pathlib import Path
from ZPublisher.HTTPRequest import ZopeFieldStorage

import contextlib
import io
import os
import pytest
import socket
import threading


EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "tus-filter.ini"
TEMPLATE = Path(__file__).parents[2] / "buildout" / "wsgi.ini.in"
MIB = 1 << 20


def config(tmp_path, server_main: str) -> str:
    path = tmp_path / "app.ini"
    path.write_text("[app:main]\nuse = call:os:getcwd\n\n[server:main]\n" + server_main)
    return str(path)


def test_the_example_filter_config_runs_on_the_front_server():
    assert server_config.server_choice(str(EXAMPLE)) == "front"
    settings = server_config.front_settings(str(EXAMPLE))
    assert (settings.host, settings.port, settings.threads) == ("127.0.0.1", 8081, 4)


def test_the_example_filter_config_also_runs_on_gunicorn():
    settings = gunicorn_settings(str(EXAMPLE))
    assert settings["bind"] == "127.0.0.1:8081"
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] == "4"


def test_buildout_template_runs_on_the_front_server(tmp_path):
    filled = TEMPLATE.read_text() % {
        "http_address": "127.0.0.1:8080",
        "threads": "2",
        "location": str(tmp_path),
        "pipeline": "egg:Zope#httpexceptions\n    zope",
        "clear_untrusted_proxy_headers": "false",
        "max_request_body_size": "1099511627776",
    }
    path = tmp_path / "wsgi.ini"
    path.write_text(filled)
    assert server_config.server_choice(str(path)) == "front"
    settings = server_config.front_settings(str(path))
    assert (settings.host, settings.port, settings.threads) == ("127.0.0.1", 8080, 2)
    assert (settings.header_timeout, settings.body_timeout) == (30, 60)


def test_the_removed_upload_lane_option_is_accepted_and_not_passed_on(tmp_path):
    off = config(
        tmp_path, "use = egg:collective.tusupload#gunicorn\nupload_lane = off\n"
    )
    assert "upload_lane" not in gunicorn_settings(off)
    waitress = config(tmp_path, "use = egg:waitress#main\nupload_lane = off\n")
    assert "upload_lane" not in server_config.waitress_settings(waitress)
    front = config(tmp_path, "upload_lane = off\n")
    assert server_config.front_settings(front).threads == 4


def test_waitress_when_the_config_uses_it(tmp_path):
    path = config(tmp_path, "use = egg:waitress#main\nport = 9000\n")
    assert server_config.server_choice(path) == "waitress"


def test_command_line_host_and_port_win(tmp_path):
    path = config(tmp_path, "use = egg:collective.tusupload#gunicorn\nport = 9000\n")
    assert gunicorn_settings(path)["bind"] == "127.0.0.1:9000"
    assert gunicorn_settings(path, host="::1", port=9100)["bind"] == ("::1:9100")


def test_waitress_listen_becomes_bind(tmp_path):
    path = config(tmp_path, "listen = 127.0.0.1:8080 8081\n")
    assert gunicorn_settings(path)["bind"] == ["127.0.0.1:8080", "0.0.0.0:8081"]


def test_gunicorn_settings_pass_and_waitress_only_ones_are_dropped(tmp_path):
    path = config(
        tmp_path, "graceful_timeout = 90\nrecv_bytes = 1048576\nworkers = 2\n"
    )
    settings = gunicorn_settings(path)
    assert settings["graceful_timeout"] == "90"
    assert settings["workers"] == "2"
    assert "recv_bytes" not in settings
    # gunicorn 27's control socket would be one path for every instance.
    assert settings["control_socket_disable"] == "true"


def test_unknown_option_is_an_error(tmp_path):
    path = config(tmp_path, "thread = 4\n")
    with pytest.raises(ValueError, match="thread: not a gunicorn setting"):
        gunicorn_settings(path)


# -- bodies -----------------------------------------------------------------------


def run(environ):
    seen = {}

    def app(environ, start_response):
        seen["input"] = environ["wsgi.input"]
        return [b""]

    StreamUploadBodies(app)(environ, lambda *args: None)
    return seen["input"]


def test_upload_bodies_stream_unread():
    socket_stream = io.BytesIO(b"x" * 100)
    body = run(
        {
            "CONTENT_TYPE": "application/offset+octet-stream",
            "CONTENT_LENGTH": "100",
            "wsgi.input": socket_stream,
        }
    )
    assert isinstance(body, StreamedBody)
    assert socket_stream.tell() == 0
    assert body.read(60) == b"x" * 60
    assert body.read() == b"x" * 40


def test_ietf_draft_bodies_stream_whatever_their_media_type():
    body = run(
        {
            "HTTP_UPLOAD_DRAFT_INTEROP_VERSION": "5",
            "CONTENT_LENGTH": "3",
            "wsgi.input": io.BytesIO(b"abc"),
        }
    )
    assert isinstance(body, StreamedBody)


def test_other_bodies_are_buffered_and_can_be_read_twice():
    body = run(
        {
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": "7",
            "wsgi.input": io.BytesIO(b"a=1&b=2 and more"),
        }
    )
    assert body.read() == b"a=1&b=2"
    body.seek(0)
    assert body.read() == b"a=1&b=2"


def test_requests_without_body_pass_untouched():
    stream = io.BytesIO()
    assert run({"CONTENT_LENGTH": "0", "wsgi.input": stream}) is stream


def test_a_streamed_body_rewinds_until_read_then_reads_empty():
    body = StreamedBody(io.BytesIO(b"abcdef"), 6)
    assert body.seek(0) == 0
    assert body.read(2) == b"ab"
    assert body.tell() == 2
    body.seek(0)  # Zope's retry after a conflict
    assert body.read(4) == b""


def test_a_streamed_body_stops_at_its_length():
    body = StreamedBody(io.BytesIO(b"abcdefgh"), 5)
    assert body.read(100) == b"abcde"
    assert body.read(100) == b""


def test_zope_keeps_a_streamed_upload_body_unread():
    """ZopeFieldStorage passes non-form bodies through as the request's file."""
    socket_stream = io.BytesIO(b"y" * 1000)
    body = StreamedBody(socket_stream, 1000)
    storage = ZopeFieldStorage(
        body,
        {
            "REQUEST_METHOD": "PATCH",
            "CONTENT_TYPE": "application/offset+octet-stream",
            "CONTENT_LENGTH": "1000",
        },
    )
    assert storage.file is body
    assert socket_stream.tell() == 0


# -- gunicorn's body, read from its socket ----------------------------------------


def gunicorn_body(sent: bytes, length: int, *, headers_read: int):
    """gunicorn's ``wsgi.input`` for a body of ``length`` over a socket pair.

    ``headers_read`` bytes of ``sent`` were received with the headers (they
    sit in gunicorn's buffer), the rest is still in the socket.
    """
    from gunicorn.http.body import Body
    from gunicorn.http.body import LengthReader
    from gunicorn.http.unreader import SocketUnreader

    server, client = socket.socketpair()

    def send():
        with contextlib.suppress(OSError):  # the test may be done already
            client.sendall(sent)
            client.shutdown(socket.SHUT_WR)

    threading.Thread(target=send, daemon=True).start()
    unreader = SocketUnreader(server)
    unreader.unread(server.recv(headers_read, socket.MSG_WAITALL))
    return Body(LengthReader(unreader, length)), unreader, (server, client)


def test_gunicorn_body_is_read_from_the_socket_and_the_next_request_stays():
    body_bytes = os.urandom(3 * MIB + 123)
    sent = body_bytes + b"GET /next HTTP/1.1\r\n\r\n"
    body, unreader, sockets = gunicorn_body(sent, len(body_bytes), headers_read=5000)
    try:
        direct = GunicornSocketBody.wrap(body)
        assert direct is not None
        stream = StreamedBody(direct, len(body_bytes))
        blocks = []
        while block := stream.read(MIB):
            assert len(block) == min(MIB, len(body_bytes) - sum(map(len, blocks)))
            blocks.append(block)
        assert b"".join(blocks) == body_bytes
        # gunicorn sees the body consumed: nothing to discard, the connection
        # goes on with the next request, still unread.
        assert body.read(8192) == b""
        assert not body.failed
        assert unreader.read() + sockets[0].recv(100) == b"GET /next HTTP/1.1\r\n\r\n"
    finally:
        for sock in sockets:
            sock.close()


def test_gunicorn_body_cut_short_is_a_short_read_and_no_reuse():
    body, _unreader, sockets = gunicorn_body(b"z" * 1000, 5000, headers_read=10)
    try:
        stream = StreamedBody(GunicornSocketBody.wrap(body), 5000)
        assert stream.read(4096) == b"z" * 1000
        assert stream.read(4096) == b""
        assert body.failed  # gunicorn closes the connection
    finally:
        for sock in sockets:
            sock.close()


def test_a_gunicorn_body_in_pieces_keeps_what_gunicorn_had_buffered():
    body_bytes = bytes(range(256)) * 40
    body, _unreader, sockets = gunicorn_body(
        body_bytes, len(body_bytes), headers_read=0
    )
    try:
        assert body.read(100) == body_bytes[:100]  # read through gunicorn first
        direct = GunicornSocketBody.wrap(body)
        rest = b""
        while block := direct.read(1000):
            rest += block
        assert rest == body_bytes[100:]
    finally:
        for sock in sockets:
            sock.close()


def test_objects_made_while_loading_are_frozen_out_of_full_collections():
    import gc

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
