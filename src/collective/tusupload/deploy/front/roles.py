"""What the parts of the front server see of each other.

The server owns connections, a connection hands appends to :mod:`.uploads`,
and both call back into the server. Naming those calls here, as protocols,
keeps the imports pointing one way: server → connection → uploads → roles.
"""

from __future__ import annotations

from collections.abc import Callable
from collective.tusupload.deploy.front.environ import Listener
from collective.tusupload.deploy.front.heads import RequestHead
from collective.tusupload.deploy.front.prefetch import BufferPool
from collective.tusupload.deploy.front.replies import Reply
from collective.tusupload.deploy.front.settings import FrontSettings
from concurrent.futures import Executor
from typing import Any
from typing import Protocol

import socket


class AppHost(Protocol):
    """The server as its connections use it: settings and the application."""

    settings: FrontSettings
    listener: Listener
    stopping: bool
    #: Buffers for reading appends ahead (see :mod:`.prefetch`).
    read_ahead_buffers: BufferPool
    #: Threads that receive and store upload bodies.
    body_threads: Executor

    async def call_app(self, environ: dict) -> Reply:
        """Run the application on ``environ`` in one of its threads."""

    def call_app_from_thread(self, environ: dict) -> Reply:
        """:meth:`call_app` for a body thread."""

    async def in_body_thread(self, function: Callable, *args) -> Any:
        """Run ``function(*args)`` in a body thread."""


class Peer(Protocol):
    """A client connection as an upload's append uses it."""

    server: AppHost
    sock: socket.socket
    pending: bytearray

    @property
    def client_text(self) -> str:
        """The client's address for the access log."""

    def keeps_open(self, head: RequestHead, reply: Reply) -> bool:
        """Whether the connection stays open after ``reply``."""

    async def send(self, reply: Reply, *, method: str, keep_alive: bool) -> None:
        """Send ``reply``."""
