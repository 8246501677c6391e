"""A front server in this process, on a free port, stopped after the test."""

from collective.tusupload.deploy.front.server import FrontServer
from collective.tusupload.deploy.front.settings import FrontSettings

import contextlib
import pytest
import socket
import threading


class RunningFront:
    """A :class:`FrontServer` serving ``app`` in a thread of this process."""

    def __init__(self, app, **settings) -> None:
        sock = socket.create_server(("127.0.0.1", 0))
        self.server = FrontServer(app, FrontSettings(**settings), sock=sock)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"handle_signals": False}, daemon=True
        )
        self.thread.start()
        assert self.server.ready.wait(10), "the front server did not start"
        self.host, self.port = sock.getsockname()[:2]
        self.url = f"http://127.0.0.1:{self.port}"

    def connect(self, timeout: float = 10) -> socket.socket:
        """A raw connection to the server."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def stop(self, *, graceful: bool = True) -> None:
        self.server.stop(graceful=graceful)
        self.thread.join(30)
        assert not self.thread.is_alive(), "the front server did not stop"


@pytest.fixture
def front():
    """``front(app, **settings)`` starts a server; all are stopped at the end."""
    running: list[RunningFront] = []

    def start(app, **settings) -> RunningFront:
        server = RunningFront(app, **settings)
        running.append(server)
        return server

    yield start
    for server in running:
        with contextlib.suppress(AssertionError):
            server.stop(graceful=False)
