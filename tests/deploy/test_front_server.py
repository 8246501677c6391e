"""The front server with plain WSGI applications: heads, bodies, replies, timeouts.

Every test runs a real server on 127.0.0.1 and talks to it over sockets,
as a client (or an attacker) would.
"""

from front_helpers import read_reply

import http.client
import pytest
import requests
import socket
import threading
import time


def echo(environ, start_response):
    """Answers with the body's length, the path and the method."""
    body = environ["wsgi.input"].read()
    reply = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {len(body)}"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [reply.encode("latin-1")]


def test_requests_on_one_connection(front):
    server = front(echo)
    session = requests.Session()
    assert session.get(server.url + "/a").text == "GET /a 0"
    assert session.post(server.url + "/b", data=b"x" * 3_000_000).text == (
        "POST /b 3000000"
    )
    reply = session.get(server.url + "/caf%C3%A9")
    # PEP 3333: PATH_INFO holds the decoded path's bytes as latin-1 text.
    assert reply.content == b"GET /caf\xc3\xa9 0"
    assert reply.headers["Connection"] == "keep-alive"


def test_a_chunked_body_is_given_whole(front):
    server = front(echo)
    blocks = (b"y" * 100_000 for _ in range(7))
    assert requests.post(server.url + "/c", data=blocks).text == "POST /c 700000"


def test_head_replies_carry_no_body_whatever_the_app_gives(front):
    server = front(echo)
    with server.connect() as sock:
        sock.sendall(
            b"HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        status, headers, body = read_reply(sock, method="HEAD")
        assert (status, body) == (200, b"")
        assert headers["content-length"] == str(len(b"HEAD /x 0"))
        # The next reply on the connection starts right after the head.
        status, _, body = read_reply(sock)
        assert (status, body) == (200, b"GET /y 0")


@pytest.mark.parametrize(
    ("target", "status"), [("/Plone/%ff", 400), ("/Plone/@tus-upload/%ff", 404)]
)
def test_a_path_that_is_not_utf8_is_refused_in_words(front, target, status):
    called = []

    def app(environ, start_response):
        called.append(environ)
        return echo(environ, start_response)

    server = front(app)
    reply = requests.get(server.url + target)
    assert reply.status_code == status
    assert reply.text == "the path is not valid UTF-8\n"
    head = requests.head(server.url + target)
    assert (head.status_code, head.content) == (status, b"")
    assert not called


def test_a_slow_head_is_closed_and_pages_still_answer(front):
    server = front(echo, header_timeout=6.0, threads=1)
    slow = []
    for _ in range(20):
        sock = server.connect()
        sock.sendall(b"GET / HTTP/1.1\r\n")
        slow.append(sock)
    started = time.monotonic()
    assert requests.get(server.url + "/page", timeout=5).text == "GET /page 0"
    # Answered while every slow head was still open.
    assert time.monotonic() - started < 5
    for sock in slow:
        sock.sendall(b"X-Slow: 1\r\n")
    time.sleep(7)
    for sock in slow:
        status, headers, body = read_reply(sock)
        assert (status, headers["connection"]) == (408, "close")
        assert b"took too long" in body
        sock.close()


def test_an_idle_connection_is_closed_after_the_keepalive_timeout(front):
    server = front(echo, keepalive_timeout=0.5)
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert read_reply(sock)[0] == 200
        time.sleep(1.0)
        assert sock.recv(10) == b""


def test_a_stalled_buffered_body_never_reaches_the_app(front):
    called = []

    def app(environ, start_response):
        called.append(environ["wsgi.input"].read())
        return echo(environ, start_response)

    server = front(app, body_timeout=0.5)
    with server.connect() as sock:
        sock.sendall(
            b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n12345"
        )
        time.sleep(1.0)
        assert sock.recv(10) == b""
    assert not called


def test_a_body_over_the_limit_is_refused_before_it_is_read(front):
    server = front(echo, max_body=1000)
    with server.connect() as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n")
        status, headers, body = read_reply(sock)
    assert (status, headers["connection"]) == (413, "close")
    assert body == b"request body too large\n"


def test_a_malformed_head_gets_400_in_words(front):
    server = front(echo)
    with server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n")
        status, headers, body = read_reply(sock)
    assert (status, headers["connection"], body) == (
        400,
        "close",
        b"malformed request head\n",
    )


def test_slow_requests_hold_no_application_thread(front):
    """One application thread; many clients that send slowly; pages answer."""
    server = front(echo, threads=1, header_timeout=30, body_timeout=30)
    slow = []
    for index in range(30):
        sock = server.connect()
        if index % 2:
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: a\r\n")
        else:
            sock.sendall(
                b"POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 9999\r\n\r\nab"
            )
        slow.append(sock)
    times = []
    for _ in range(20):
        started = time.monotonic()
        assert requests.get(server.url + "/page", timeout=5).status_code == 200
        times.append(time.monotonic() - started)
    # Each well within the timeouts that would free the slow clients' slots.
    assert max(times) < 5
    for sock in slow:
        sock.close()


def test_large_replies_are_sent_by_the_loop_and_files_with_sendfile(front, tmp_path):
    data = bytes(range(256)) * 40_000
    path = tmp_path / "big.bin"
    path.write_bytes(data)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        if environ["PATH_INFO"] == "/file":
            return environ["wsgi.file_wrapper"](open(path, "rb"))  # noqa: SIM115
        return (data[index : index + 65536] for index in range(0, len(data), 65536))

    server = front(app)
    assert requests.get(server.url + "/file").content == data
    assert requests.get(server.url + "/iterable").content == data


def test_an_app_that_fails_answers_500_and_the_server_goes_on(front):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("broken app")
        return echo(environ, start_response)

    server = front(app)
    assert requests.get(server.url + "/fail").status_code == 500
    assert requests.get(server.url + "/ok").text == "GET /ok 0"


def test_a_graceful_stop_finishes_the_request_in_flight(front):
    entered = threading.Event()

    def app(environ, start_response):
        entered.set()
        time.sleep(0.5)
        return echo(environ, start_response)

    server = front(app)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/slow")
    assert entered.wait(5)
    server.stop(graceful=True)
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"GET /slow 0")
    assert response.getheader("Connection") == "close"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)
